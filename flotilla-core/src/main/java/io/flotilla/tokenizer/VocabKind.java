package io.flotilla.tokenizer;

/** The tokenization algorithm, from GGUF {@code tokenizer.ggml.model}. */
enum VocabKind {
    /** "llama": SentencePiece-style merges by score, byte fallback. */
    SPM,
    /** "gpt2": byte-level BPE with merges by rank after a regex pre-tokenizer. */
    BPE,
    /** "bert": WordPiece, greedy longest match. */
    WPM
}
