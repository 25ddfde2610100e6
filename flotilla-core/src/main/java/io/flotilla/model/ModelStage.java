package io.flotilla.model;

/**
 * The layers {@code [first, last)} of a model, the unit of pipeline parallelism: the first stage
 * embeds tokens, every stage runs its layers on a hidden-state buffer of {@code n × dim} floats,
 * the last stage applies the final norm and output projection. A stage's
 * {@link InferenceState} caches keys and values for its own layers only. Moving hidden states
 * between machines is the caller's business.
 */
public final class ModelStage {
    private final Model model;
    private final int first;
    private final int last;

    ModelStage(Model model, int first, int last) {
        if (first < 0 || last > model.config().layers() || first >= last) {
            throw new IllegalArgumentException("layer range [" + first + ", " + last + ") is not within [0, "
                    + model.config().layers() + ")");
        }
        this.model = model;
        this.first = first;
        this.last = last;
    }

    public int firstLayer() {
        return first;
    }

    public int lastLayer() {
        return last;
    }

    /** Whether this stage embeds tokens (holds layer 0). */
    public boolean isFirst() {
        return first == 0;
    }

    /** Whether this stage produces logits (holds the last layer). */
    public boolean isLast() {
        return last == model.config().layers();
    }

    /** A state for up to {@code contextLength} positions, processing up to 512 tokens at a time. */
    public InferenceState newState(int contextLength) {
        return newState(contextLength, Math.min(contextLength, Model.DEFAULT_BATCH));
    }

    /** A state for up to {@code contextLength} positions, processing up to {@code batch} tokens at a time. */
    public InferenceState newState(int contextLength, int batch) {
        if (contextLength < 1 || batch < 1) {
            throw new IllegalArgumentException("context length and batch must be >= 1, got " + contextLength
                    + " and " + batch);
        }
        return model.newState(first, last, contextLength, batch, isLast());
    }

    /** {@code hidden[t × dim ...] = embedding of tokens[offset + t]} for t in [0, n). */
    public void embed(int[] tokens, int offset, int n, float[] hidden) {
        model.embed(tokens, offset, n, hidden);
    }

    /**
     * Runs this stage's layers on {@code n} hidden states in place, at positions
     * {@code [s.position(), s.position() + n)}, and advances the position by n.
     */
    public void forward(InferenceState s, float[] hidden, int n) {
        checkState(s);
        s.checkRoom(n);
        int dim = model.config().dim();
        Activations a = s.activations(n);
        for (int c0 = 0; c0 < n; c0 += a.batch) {
            int m = Math.min(a.batch, n - c0);
            System.arraycopy(hidden, c0 * dim, a.x, 0, m * dim);
            model.runLayers(s, m);
            System.arraycopy(a.x, 0, hidden, c0 * dim, m * dim);
        }
    }

    /**
     * A state serving many sequences through a paged KV cache of {@code numBlocks} blocks of
     * {@code blockSize} positions (this stage's layers, F16), with buffers for up to
     * {@code maxTokens} tokens per pass.
     */
    public BatchState newBatchState(int numBlocks, int blockSize, int maxTokens) {
        if (numBlocks < 1 || blockSize < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("numBlocks, blockSize and maxTokens must be >= 1, got " + numBlocks
                    + ", " + blockSize + " and " + maxTokens);
        }
        if ((long) numBlocks * blockSize * Math.max(model.config().kvDimK(), model.config().kvDimV())
                > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(numBlocks + " blocks of " + blockSize
                    + " positions do not fit one array per layer; use fewer blocks");
        }
        return model.newBatchState(first, last, numBlocks, blockSize, maxTokens, isLast());
    }

    /**
     * Runs this stage's layers in place on the hidden states of all chunks of {@code batch}
     * ({@code batch.numTokens() × dim}, in the batch's order), storing their K/V at their slots.
     */
    public void forward(BatchState s, Batch batch, float[] hidden) {
        checkState(s.firstLayer(), s.lastLayer());
        s.check(batch);
        int n = batch.numTokens();
        int dim = model.config().dim();
        if (hidden.length < n * dim) {
            throw new IllegalArgumentException("hidden has " + hidden.length + " floats, a batch of " + n
                    + " tokens needs " + n * dim);
        }
        Activations a = s.activations(n);
        System.arraycopy(hidden, 0, a.x, 0, n * dim);
        model.runLayers(s, batch);
        System.arraycopy(a.x, 0, hidden, 0, n * dim);
    }

    /**
     * Logits of the last token of each chunk of {@code batch} that asks for them
     * ({@code batch.numLogits() × vocab}, a buffer of the state reused by the next pass).
     */
    public float[] logits(BatchState s, Batch batch, float[] hidden) {
        checkState(s.firstLayer(), s.lastLayer());
        if (!isLast()) {
            throw new IllegalStateException("layers [" + first + ", " + last + ") are not the last stage");
        }
        return model.batchHead(s, batch, hidden);
    }

    /** Logits of the last of {@code n} hidden states ({@code vocab} floats), or of all of them ({@code n × vocab}). */
    public float[] logits(InferenceState s, float[] hidden, int n, boolean all) {
        checkState(s);
        if (!isLast()) {
            throw new IllegalStateException("layers [" + first + ", " + last + ") are not the last stage");
        }
        return model.head(s, hidden, n, all);
    }

    private void checkState(InferenceState s) {
        checkState(s.firstLayer(), s.lastLayer());
    }

    private void checkState(int stateFirst, int stateLast) {
        if (stateFirst != first || stateLast != last) {
            throw new IllegalArgumentException("state of layers [" + stateFirst + ", " + stateLast
                    + ") used with stage [" + first + ", " + last + ")");
        }
    }
}
