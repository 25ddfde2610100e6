package io.flotilla.sample;

import java.util.Arrays;

/**
 * The reusable working set of a sampler chain: token ids with their (transformed) logits,
 * of which the first {@link #size()} are still in the running. Allocated once per vocabulary
 * size; transforms shrink, reorder and rescale it in place.
 */
public final class Candidates {
    private final int[] ids;
    private final float[] logits;
    private final float[] probs;
    private final long[] keys;
    private int size;
    private boolean sorted;

    public Candidates(int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        ids = new int[vocabSize];
        logits = new float[vocabSize];
        probs = new float[vocabSize];
        keys = new long[vocabSize];
    }

    /** Resets to all tokens, in id order, with the model's logits. */
    public void load(float[] modelLogits) {
        if (modelLogits.length != ids.length) {
            throw new IllegalArgumentException("expected " + ids.length + " logits (the vocabulary size), got "
                    + modelLogits.length);
        }
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        System.arraycopy(modelLogits, 0, logits, 0, ids.length);
        size = ids.length;
        sorted = false;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    void setLogit(int i, float value) {
        logits[i] = value;
        sorted = false;
    }

    /** Multiplies every logit by {@code factor > 0}; the order (and sortedness) is kept. */
    void scale(float factor) {
        for (int i = 0; i < size; i++) {
            logits[i] *= factor;
        }
    }

    /** Keeps the first {@code n} candidates (at least one). */
    void truncate(int n) {
        size = Math.max(1, Math.min(size, n));
    }

    /** Whether candidates are in descending logit order (ties: ascending id). */
    boolean isSorted() {
        return sorted;
    }

    /** Sorts the candidates by descending logit, ties by ascending id. */
    void sort() {
        sortFirst(size);
    }

    /**
     * Puts the {@code k} best candidates first, in order, and keeps only them: a selection
     * then a sort of {@code k}, not a sort of the whole vocabulary.
     */
    void sortFirst(int k) {
        if (sorted) {
            truncate(k);
            return;
        }
        for (int i = 0; i < size; i++) {
            keys[i] = key(logits[i], ids[i]);
        }
        if (k < size) {
            LongSelect.select(keys, 0, size - 1, k - 1);
        }
        int n = Math.min(k, size);
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) {
            ids[i] = (int) keys[i];
            logits[i] = logitOf(keys[i]);
        }
        size = n;
        sorted = true;
    }

    /**
     * Softmax of the current logits into {@link #prob}; returns nothing, sums to 1.
     * Uses the max for stability.
     */
    void softmax() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            float p = (float) Math.exp(logits[i] - max);
            probs[i] = p;
            sum += p;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < size; i++) {
            probs[i] *= inv;
        }
    }

    /** Probability of candidate {@code i} as of the last {@link #softmax()}. */
    public float prob(int i) {
        return probs[i];
    }

    /** Descending logit, then ascending id, as an ascending long: high word is the order-flipped logit. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit == 0f ? 0f : logit);
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ascending << 32) | (id & 0xffffffffL);
    }

    private static float logitOf(long key) {
        int ascending = ~(int) (key >> 32);
        return Float.intBitsToFloat(ascending ^ ((ascending >> 31) & 0x7fffffff));
    }
}
