/**
 * Tokenizers that reproduce llama.cpp's token ids.
 *
 * <p>{@link io.flotilla.tokenizer.Tokenizer#fromGguf} reads {@code tokenizer.ggml.*} metadata:
 * SentencePiece-style merges by score ("llama"), byte-level BPE ("gpt2") with the pre-tokenizer
 * regexes llama.cpp ties to {@code tokenizer.ggml.pre}, and WordPiece ("bert").
 * {@link io.flotilla.tokenizer.Tokenizer#fromHuggingFace} reads BPE {@code tokenizer.json} files and
 * {@code vocab.json} + {@code merges.txt} directories.
 *
 * <p>Where llama.cpp and Hugging Face differ, this package follows llama.cpp: Unicode categories of
 * pre-tokenizer regexes are evaluated llama.cpp's way (regexes over a text where each non-ASCII
 * codepoint stands for its category), special tokens are split out before pre-tokenization, and
 * decoding does not apply {@code clean_up_tokenization_spaces} (so that streaming and whole-text
 * decoding agree). Known deviations: codepoint categories come from the JDK's Unicode tables (a
 * newer Unicode version than llama.cpp's generated tables), Hugging Face normalizers other than
 * SentencePiece's space escaping (e.g. Qwen3's NFC) are not applied, and a byte without a byte
 * token becomes the unknown token where llama.cpp aborts.
 */
package io.flotilla.tokenizer;
