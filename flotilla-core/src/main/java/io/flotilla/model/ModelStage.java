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
        model.embed(tokens, offset, n, hidden, 0);
    }

    /**
     * Runs this stage's layers on {@code n} hidden states in place, at positions
     * {@code [s.position(), s.position() + n)}, and advances the position by n.
     */
    public void forward(InferenceState s, float[] hidden, int n) {
        checkState(s);
        s.checkRoom(n);
        int dim = model.config().dim();
        Activations a = s.activations();
        for (int c0 = 0; c0 < n; c0 += a.batch) {
            int m = Math.min(a.batch, n - c0);
            System.arraycopy(hidden, c0 * dim, a.x, 0, m * dim);
            model.runLayers(s, m);
            System.arraycopy(a.x, 0, hidden, c0 * dim, m * dim);
        }
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
        if (s.firstLayer() != first || s.lastLayer() != last) {
            throw new IllegalArgumentException("state of layers [" + s.firstLayer() + ", " + s.lastLayer()
                    + ") used with stage [" + first + ", " + last + ")");
        }
    }
}
