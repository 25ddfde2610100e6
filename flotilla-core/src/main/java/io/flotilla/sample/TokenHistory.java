package io.flotilla.sample;

import java.util.Arrays;

/** The tokens of a sequence so far (prompt and generated, as the caller accepts them), for penalties. */
public final class TokenHistory {
    private int[] tokens;
    private int size;

    public TokenHistory() {
        this.tokens = new int[64];
    }

    public static TokenHistory of(int... tokens) {
        TokenHistory h = new TokenHistory();
        for (int t : tokens) {
            h.accept(t);
        }
        return h;
    }

    public void accept(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
    }

    public int size() {
        return size;
    }

    public int get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("token index " + index + " of a history of " + size);
        }
        return tokens[index];
    }

    public void clear() {
        size = 0;
    }

    /** Index of the first of the last {@code n} tokens ({@code n == -1}: all of them). */
    int windowStart(int n) {
        return n < 0 ? 0 : Math.max(0, size - n);
    }

    int[] array() {
        return tokens;
    }
}
