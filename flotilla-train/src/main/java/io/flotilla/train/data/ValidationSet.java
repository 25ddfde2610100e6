package io.flotilla.train.data;

import io.flotilla.train.model.Rng;

/**
 * A fixed set of validation windows drawn once with a seed, so every evaluation (and every run
 * with the same seed) scores the same text.
 */
public final class ValidationSet {

    private final int[] inputs;
    private final int[] targets;
    private final int windows;
    private final int seq;

    public ValidationSet(int[] tokens, int seq, int windows, long seed) {
        if (tokens.length < seq + 1) {
            throw new IllegalArgumentException("validation split has " + tokens.length
                    + " tokens, fewer than one window of " + (seq + 1));
        }
        this.windows = windows;
        this.seq = seq;
        this.inputs = new int[windows * seq];
        this.targets = new int[windows * seq];
        Rng rng = new Rng(seed ^ 0x5DEECE66DL);
        for (int w = 0; w < windows; w++) {
            int start = rng.nextInt(tokens.length - seq);
            System.arraycopy(tokens, start, inputs, w * seq, seq);
            System.arraycopy(tokens, start + 1, targets, w * seq, seq);
        }
    }

    public int windows() {
        return windows;
    }

    public int seq() {
        return seq;
    }

    /** Copies windows {@code [from, from + count)} into the batch buffers. */
    public void batch(int from, int count, int[] in, int[] out) {
        System.arraycopy(inputs, from * seq, in, 0, count * seq);
        System.arraycopy(targets, from * seq, out, 0, count * seq);
    }
}
