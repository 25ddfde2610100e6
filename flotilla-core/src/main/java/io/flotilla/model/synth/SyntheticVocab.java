package io.flotilla.model.synth;

import io.flotilla.gguf.GgufWriter;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A generated SentencePiece-style vocabulary ({@code tokenizer.ggml.model = "llama"}), so that
 * llama.cpp accepts the file and any text encodes: {@code <unk>}, {@code <s>}, {@code </s>}, the 256
 * byte tokens {@code <0x00>..<0xFF>} (byte fallback), then pieces with descending scores. Pieces are
 * grown from shorter ones ({@code ▁t}, {@code ▁th}, {@code ▁the}) so that SentencePiece's pairwise
 * merging can reach them.
 */
public record SyntheticVocab(String[] tokens, float[] scores, int[] types) {
    /** llama.cpp's token types (enum llama_token_type in llama-vocab). */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int BYTE = 6;

    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    static final String SPACE = "\u2581";

    private static final String[] WORDS = ("the of and to a in is it you that he was for on are with as I his they be at one "
            + "have this from or had by word but what some we can out other were all there when up use your how said an each "
            + "she which do their time if will way about many then them write would like so these her long make thing see him "
            + "two has look more day could go come did number sound no most people my over know water than call first who may "
            + "down side been now find Once upon girl boy named Lily Tom little big happy saw wanted play went mom").split(" ");

    public static SyntheticVocab generate(int size) {
        if (size < SyntheticSpec.MIN_VOCAB) {
            throw new IllegalArgumentException("vocabulary size " + size + " is below " + SyntheticSpec.MIN_VOCAB);
        }
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[UNK_ID] = "<unk>";
        types[UNK_ID] = UNKNOWN;
        tokens[BOS_ID] = "<s>";
        types[BOS_ID] = CONTROL;
        tokens[EOS_ID] = "</s>";
        types[EOS_ID] = CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format(Locale.ROOT, "<0x%02X>", b);
            types[3 + b] = BYTE;
        }
        Set<String> pieces = pieces(size - 259);
        int id = 259;
        for (String p : pieces) {
            tokens[id] = p;
            types[id] = NORMAL;
            scores[id] = -(id - 259);
            id++;
        }
        return new SyntheticVocab(tokens, scores, types);
    }

    /** The first {@code n} pieces, shortest and most common first. */
    private static Set<String> pieces(int n) {
        Set<String> out = new LinkedHashSet<>();
        String lower = "abcdefghijklmnopqrstuvwxyz";
        String upper = lower.toUpperCase(Locale.ROOT);
        add(out, n, SPACE);
        for (char c = '!'; c <= '~'; c++) {
            add(out, n, String.valueOf(c));
            add(out, n, SPACE + c);
        }
        for (String w : WORDS) {
            for (int k = 1; k <= w.length(); k++) {
                add(out, n, SPACE + w.substring(0, k));
            }
        }
        for (String first : new String[] {"", SPACE}) {
            for (char a : (lower + upper).toCharArray()) {
                for (char b : lower.toCharArray()) {
                    add(out, n, first + a + b);
                }
            }
        }
        for (String first : new String[] {"", SPACE}) {
            for (char a : (lower + upper).toCharArray()) {
                for (char b : lower.toCharArray()) {
                    for (char c : lower.toCharArray()) {
                        add(out, n, first + a + b + c);
                    }
                }
            }
        }
        if (out.size() < n) {
            throw new IllegalArgumentException("cannot generate " + n + " distinct pieces; at most " + out.size());
        }
        return out;
    }

    private static void add(Set<String> out, int n, String piece) {
        if (out.size() < n) {
            out.add(piece);
        }
    }

    public int size() {
        return tokens.length;
    }

    /** Writes the {@code tokenizer.ggml.*} keys llama.cpp reads for a SentencePiece vocabulary. */
    public void writeTo(GgufWriter w) {
        w.putString("tokenizer.ggml.model", "llama");
        w.putString("tokenizer.ggml.pre", "default");
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        w.putFloat32Array("tokenizer.ggml.scores", scores);
        w.putInt32Array("tokenizer.ggml.token_type", types);
        w.putUInt32("tokenizer.ggml.bos_token_id", BOS_ID);
        w.putUInt32("tokenizer.ggml.eos_token_id", EOS_ID);
        w.putUInt32("tokenizer.ggml.unknown_token_id", UNK_ID);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }
}
