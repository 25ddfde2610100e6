package io.flotilla.tokenizer;

import io.flotilla.gguf.GgufMetadata;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Text to token ids and back, reproducing llama.cpp's tokenizers: SentencePiece-style ("llama"),
 * byte-level BPE ("gpt2", with the pre-tokenizer named by {@code tokenizer.ggml.pre}) and WordPiece
 * ("bert"). Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /**
     * @param addSpecial   add BOS/EOS (CLS/SEP for WordPiece) as the vocabulary's metadata asks
     * @param parseSpecial treat control tokens written in the text (e.g. "&lt;|eot_id|&gt;") as those
     *                     tokens; user-defined tokens are always recognised, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The text of the tokens; control tokens contribute nothing (see {@link #tokenBytes}). */
    String decode(int[] ids);

    /**
     * The raw bytes one token contributes to decoded text. A token may end in the middle of a
     * UTF-8 character; {@link StreamingDetokenizer} joins them. Control tokens give no bytes.
     */
    byte[] tokenBytes(int id);

    int vocabSize();

    /** The BOS token id, or -1. */
    int bos();

    /** The EOS token id, or -1. */
    int eos();

    /** Whether generation stops at this token: EOS, EOT, EOM and the usual end-of-turn tokens. */
    boolean isEndOfGeneration(int id);

    /** Whether {@link #encode} with {@code addSpecial} prepends BOS. */
    boolean addBos();

    /** SentencePiece-style: a space is put before the text, and removed again from the first decoded token. */
    default boolean addSpacePrefix() {
        return false;
    }

    /** The vocabulary string of a token, for debugging and inspection. */
    String tokenText(int id);

    /**
     * The tokenizer stored in GGUF metadata ({@code tokenizer.ggml.*}).
     *
     * @throws UnsupportedOperationException naming the model or pre-tokenizer type when unsupported
     * @throws IllegalArgumentException      when the metadata is incomplete or inconsistent
     */
    static Tokenizer fromGguf(GgufMetadata metadata) {
        return new VocabTokenizer(GgufTokenizers.spec(metadata));
    }

    /**
     * A Hugging Face tokenizer: a {@code tokenizer.json} file, or a directory holding either
     * {@code tokenizer.json} or {@code vocab.json} + {@code merges.txt} (+ {@code added_tokens.json},
     * {@code tokenizer_config.json}).
     */
    static Tokenizer fromHuggingFace(Path tokenizerJsonOrDir) throws IOException {
        return new VocabTokenizer(HuggingFaceTokenizers.spec(tokenizerJsonOrDir));
    }
}
