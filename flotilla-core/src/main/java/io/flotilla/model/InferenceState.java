package io.flotilla.model;

/**
 * The state of one sequence on one {@link ModelStage}: the key/value cache of the stage's layers,
 * the working buffers (grown on demand up to {@link #batchSize()} tokens), and the position,
 * the number of tokens seen so far. Not thread-safe: one sequence, one caller at a time.
 */
public final class InferenceState {
    private final int firstLayer;
    private final int lastLayer;
    private final KvCache kv;
    private final int batch;
    private Activations activations;
    private final float[] logits; // [vocab], the last token's logits (last stage only)
    private int position;

    InferenceState(ModelConfig c, int firstLayer, int lastLayer, int context, int batch, int threads,
                   RopeTable rope, boolean head) {
        this.firstLayer = firstLayer;
        this.lastLayer = lastLayer;
        this.kv = new KvCache(c, firstLayer, lastLayer, context);
        this.batch = batch;
        this.activations = new Activations(c, 1, context, threads, rope);
        this.logits = new float[head ? c.vocabSize() : 0];
    }

    /** Tokens processed so far; the next token goes to this position. */
    public int position() {
        return position;
    }

    /** Forgets the sequence: the next token goes to position 0. Buffers are kept. */
    public void reset() {
        position = 0;
    }

    /** The most positions this state holds. */
    public int contextLength() {
        return kv.capacity();
    }

    /** Tokens processed together in one pass; longer inputs go through in chunks of this size. */
    public int batchSize() {
        return batch;
    }

    public int firstLayer() {
        return firstLayer;
    }

    public int lastLayer() {
        return lastLayer;
    }

    public KvCache kvCache() {
        return kv;
    }

    /** The current buffers (at least as many tokens as the last {@link #activations(int)} asked for). */
    Activations activations() {
        return activations;
    }

    /** Buffers for at least {@code min(n, batchSize())} tokens, grown if needed. */
    Activations activations(int n) {
        activations = activations.atLeast(Math.min(n, batch), batch);
        return activations;
    }

    float[] logits() {
        return logits;
    }

    /** Throws {@link IllegalArgumentException} naming the numbers when n more tokens do not fit. */
    void checkRoom(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("token count must be >= 0, got " + n);
        }
        if ((long) position + n > kv.capacity()) {
            throw new IllegalArgumentException(n + " tokens at position " + position + " need a context of "
                    + ((long) position + n) + " tokens, but this state holds " + kv.capacity());
        }
    }

    void advance(int n) {
        position += n;
    }
}
