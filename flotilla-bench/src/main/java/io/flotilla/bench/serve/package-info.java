/**
 * The serving load benchmark, with vLLM's {@code benchmark_serving} definitions (TTFT, TPOT, ITL,
 * e2e latency, goodput): {@link io.flotilla.bench.serve.ServeBench} drives a
 * {@link io.flotilla.bench.serve.CompletionClient} (an OpenAI-compatible streaming endpoint, or
 * llama.cpp's server loop in-process as the baseline) from many clients or Poisson arrivals.
 */
package io.flotilla.bench.serve;
