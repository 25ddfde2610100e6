package io.flotilla.oracle;

/** llama.cpp's perplexity of a text: {@code exp(meanNll)} over {@code scored} tokens of {@code chunks} chunks. */
public record LlamaCppPerplexity(double perplexity, double meanNll, int scored, int chunks) {}
