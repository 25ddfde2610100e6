package io.flotilla.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link VocabTokenizer} is built from, whether read from GGUF metadata or from
 * Hugging Face files. Ids are -1 when absent.
 *
 * @param preTokenizer   BPE only; null for SPM and WordPiece
 * @param scores         SPM merge scores (may be null for BPE and WordPiece)
 * @param merges         BPE merges, "left right", in rank order (empty for SPM and WordPiece)
 * @param byteEncode     BPE: map bytes to GPT-2's printable chars before merging (false: raw text
 *                       with {@code <0xXX>} byte fallback, SentencePiece-style BPE)
 * @param escapeSpaces   replace ' ' by '▁' before encoding (SPM, SentencePiece-style BPE)
 * @param rstripSpecial  special tokens swallow the whitespace after them (llama.cpp does this for Phi-3)
 */
record TokenizerSpec(
        VocabKind kind,
        PreTokenizer preTokenizer,
        String[] tokens,
        float[] scores,
        TokenType[] types,
        List<String> merges,
        SpecialIds ids,
        boolean addBos,
        boolean addEos,
        boolean addSpacePrefix,
        boolean ignoreMerges,
        boolean byteEncode,
        boolean escapeSpaces,
        boolean lowercase,
        boolean stripAccents,
        boolean rstripSpecial) {

    TokenizerSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(types, "types");
        Objects.requireNonNull(ids, "ids");
        merges = merges == null ? List.of() : merges;
        if (types.length != tokens.length) {
            throw new IllegalArgumentException("token types: " + types.length + " entries for " + tokens.length + " tokens");
        }
        if (scores != null && scores.length < tokens.length) {
            throw new IllegalArgumentException("scores: " + scores.length + " entries for " + tokens.length + " tokens");
        }
        if (kind == VocabKind.BPE && preTokenizer == null) {
            throw new IllegalArgumentException("a BPE tokenizer needs a pre-tokenizer");
        }
    }

    /** Special token ids; -1 when the vocabulary has none. */
    record SpecialIds(int bos, int eos, int eot, int eom, int unk, int sep) {
        static SpecialIds none() {
            return new SpecialIds(-1, -1, -1, -1, -1, -1);
        }
    }
}
