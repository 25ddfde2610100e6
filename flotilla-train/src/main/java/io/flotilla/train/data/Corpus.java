package io.flotilla.train.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A text file tokenized once and split by position: the first 90% of the tokens train, the last
 * 10% validate.
 *
 * @param tokenizer  the tokenizer built for (or trained on) the text
 * @param train      the first 90% of the tokens
 * @param validation the last 10%
 */
public record Corpus(PieceTokenizer tokenizer, int[] train, int[] validation) {

    public static final double TRAIN_FRACTION = 0.9;

    /**
     * Reads {@code file} (UTF-8, a leading BOM dropped) and tokenizes it with {@code spec}:
     * {@code byte}, {@code char} or {@code bpe:N} (N = vocabulary size, learned from the text).
     */
    public static Corpus load(Path file, String spec) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return of(text, tokenizer(spec, text));
    }

    public static Corpus of(String text, PieceTokenizer tokenizer) {
        int[] tokens = tokenizer.encode(text);
        int cut = (int) (tokens.length * TRAIN_FRACTION);
        return new Corpus(tokenizer, Arrays.copyOfRange(tokens, 0, cut), Arrays.copyOfRange(tokens, cut, tokens.length));
    }

    /** Builds the tokenizer a spec names: {@code byte}, {@code char} or {@code bpe:N}. */
    public static PieceTokenizer tokenizer(String spec, String text) {
        if (spec.equals("byte")) {
            return PieceTokenizer.bytes();
        }
        if (spec.equals("char")) {
            return PieceTokenizer.chars(text);
        }
        if (spec.startsWith("bpe:")) {
            try {
                return BpeTrainer.train(text, Integer.parseInt(spec.substring(4)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tokenizer spec '" + spec + "': N in bpe:N is not a number", e);
            }
        }
        throw new IllegalArgumentException("tokenizer spec '" + spec + "': expected byte, char or bpe:N");
    }
}
