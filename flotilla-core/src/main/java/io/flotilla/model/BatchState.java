package io.flotilla.model;

/**
 * The state of a {@link ModelStage} serving many sequences at once: a paged KV cache shared by all
 * of them, {@code numBlocks} blocks of {@code blockSize} slots per layer (F16, as
 * {@link KvCache}: a layer's keys are {@code [slot][kvDimK]}, slot =
 * {@code blockId × blockSize + position % blockSize}), and working buffers for up to
 * {@link #maxTokens()} tokens per pass (grown on demand to the largest pass so far). Which blocks a
 * sequence owns is the caller's business (the engine's block pool); each pass says it in its
 * {@link Batch}. Not thread-safe.
 */
public final class BatchState {
    private final int firstLayer;
    private final int lastLayer;
    private final int numBlocks;
    private final int blockSize;
    private final KvCache kv;
    private final int maxTokens;
    private Activations activations; // grown on demand up to maxTokens
    private final int positions;
    private final int vocab;
    private float[] logits = new float[0]; // [sequences asking for logits × vocab], grown on demand

    BatchState(ModelConfig c, int firstLayer, int lastLayer, int numBlocks, int blockSize, int maxTokens,
               int positions, int threads, RopeTable rope, boolean head) {
        this.firstLayer = firstLayer;
        this.lastLayer = lastLayer;
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.kv = new KvCache(c, firstLayer, lastLayer, numBlocks * blockSize);
        this.positions = positions;
        this.maxTokens = maxTokens;
        this.activations = new Activations(c, 1, positions, threads, rope);
        this.vocab = head ? c.vocabSize() : 0;
    }

    public int firstLayer() {
        return firstLayer;
    }

    public int lastLayer() {
        return lastLayer;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Most tokens (all chunks together) one pass takes. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Highest position + 1 a sequence can reach. */
    public int maxPositions() {
        return positions;
    }

    public KvCache kvCache() {
        return kv;
    }

    /** The current buffers (at least as many tokens as the last {@link #activations(int)} asked for). */
    Activations activations() {
        return activations;
    }

    /** Buffers for at least {@code n} tokens (at most {@link #maxTokens()}), grown if needed. */
    Activations activations(int n) {
        activations = activations.atLeast(n, maxTokens);
        return activations;
    }

    /** A logits buffer for {@code rows} rows, reused between passes. */
    float[] logits(int rows) {
        if (logits.length < rows * vocab) {
            logits = new float[rows * vocab];
        }
        return logits;
    }

    /** Checks that {@code batch} fits this state: token count, block size, block ids and positions. */
    void check(Batch batch) {
        if (batch.blockSize() != blockSize) {
            throw new IllegalArgumentException("batch has blocks of " + batch.blockSize() + " tokens, this state "
                    + blockSize);
        }
        int n = batch.numTokens();
        if (n > maxTokens()) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds the state's " + maxTokens());
        }
        for (int i = 0; i < batch.sequences().size(); i++) {
            Batch.Sequence s = batch.sequences().get(i);
            if (s.endPosition() > maxPositions()) {
                throw new IllegalArgumentException("sequence " + i + " reaches position " + s.endPosition()
                        + ", beyond the state's " + maxPositions());
            }
            int used = (s.endPosition() + blockSize - 1) / blockSize;
            int[] table = s.table();
            for (int b = 0; b < used; b++) {
                if (table[b] < 0 || table[b] >= numBlocks) {
                    throw new IllegalArgumentException("sequence " + i + ": block id " + table[b] + " at index " + b
                            + " is outside [0, " + numBlocks + ")");
                }
            }
        }
    }
}
