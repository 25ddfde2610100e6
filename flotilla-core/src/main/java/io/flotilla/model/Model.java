package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.arch.Llama;
import io.flotilla.model.arch.Qwen2;
import io.flotilla.model.arch.Qwen3;
import io.flotilla.tensor.WeightMatrix;

/**
 * A decoder-only transformer over the mapped tensors of a GGUF file: token embedding, the
 * architecture's blocks, final RMSNorm and output projection (the embedding itself when the file
 * has no {@code output.weight}: tied embeddings). Immutable and shareable; each sequence has its own
 * {@link InferenceState}.
 */
public final class Model {
    static final int DEFAULT_BATCH = 512;

    private final ModelConfig config;
    private final Compute compute;
    private final WeightMatrix tokenEmbedding; // [vocab × dim]
    private final Layer[] layers;
    private final float[] outputNorm;          // [dim]
    private final WeightMatrix output;         // [vocab × dim], token_embd when tied
    private final float[] ropeFactors;         // [ropeDims / 2] Llama 3 frequency divisors, or null
    private final ModelStage all;
    private final ModelWarmUp warmUp;          // started by the caller (start()); forward waits for it
    private RopeTable rope;                    // the longest table built so far, shared by all states

    private Model(GgufFile f, ModelConfig c, Compute compute) {
        this.compute = compute;
        WeightMatrix embedding = WeightMatrix.of(f, "token_embd.weight");
        if (embedding.cols() != c.dim() || (c.vocabSize() != 0 && embedding.rows() != c.vocabSize())) {
            throw new IllegalArgumentException(f.path() + ": token_embd.weight is " + embedding.rows() + "x"
                    + embedding.cols() + ", expected " + c.vocabSize() + "x" + c.dim() + " (vocab x dim)");
        }
        this.config = c.vocabSize() == 0 ? c.withVocabSize(embedding.rows()) : c;
        this.outputNorm = VectorOps.vector(f, "output_norm.weight", c.dim());
        if (f.hasTensor("output.weight")) {
            this.tokenEmbedding = embedding;
            this.output = VectorOps.matrix(f, "output.weight", config.vocabSize(), c.dim());
        } else { // tied: the one matrix is the output projection, packed for it where that pays
            this.tokenEmbedding = PackedWeights.of(embedding);
            this.output = tokenEmbedding;
        }
        this.ropeFactors = f.hasTensor("rope_freqs.weight")
                ? VectorOps.vector(f, "rope_freqs.weight", c.rope().dims() / 2)
                : c.rope().llama3() != null ? c.rope().llama3Factors() : null;
        this.layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = loadLayer(f, config, i, compute);
        }
        this.all = new ModelStage(this, 0, c.layers());
        this.warmUp = ModelWarmUp.of(f, c.dim());
    }

    /** The model in {@code file}; the tensors stay in the file's mapping, so keep the file open while in use. */
    public static Model load(GgufFile file, Compute compute) {
        return new Model(file, ModelConfig.fromGguf(file.metadata()), compute);
    }

    private static Layer loadLayer(GgufFile f, ModelConfig c, int i, Compute compute) {
        return switch (c.architecture()) {
            case LLAMA -> Llama.load(f, c, i, compute);
            case QWEN2, QWEN2MOE -> Qwen2.load(f, c, i, compute);
            case QWEN3, QWEN3MOE -> Qwen3.load(f, c, i, compute);
        };
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * The start-up warm-up of this model's kernels, not started: {@code model.warmUp().start()} runs
     * it on a background thread right after loading, and the first {@code forward} waits for it.
     */
    public ModelWarmUp warmUp() {
        return warmUp;
    }

    /** Whether the output projection reuses the token embedding. */
    public boolean tiedOutput() {
        return output == tokenEmbedding;
    }

    /** The layers {@code [first, last)} as a pipeline stage. */
    public ModelStage stage(int first, int last) {
        return new ModelStage(this, first, last);
    }

    /** A state over all layers for up to {@code contextLength} positions. */
    public InferenceState newState(int contextLength) {
        return all.newState(contextLength);
    }

    /**
     * Appends {@code tokens[offset .. offset+n)} at positions {@code [s.position(), s.position() + n)} and
     * returns the logits of the last one ({@code vocab} floats, a buffer of the state reused by the next
     * call) or, with {@code allLogits}, of all n ({@code n × vocab}, a new array).
     */
    public float[] forward(InferenceState s, int[] tokens, int offset, int n, boolean allLogits) {
        if (s.firstLayer() != 0 || s.lastLayer() != config.layers()) {
            throw new IllegalArgumentException("forward needs a state of all layers, got [" + s.firstLayer() + ", "
                    + s.lastLayer() + ")");
        }
        if (n < 1) {
            throw new IllegalArgumentException("forward needs at least one token, got " + n);
        }
        s.checkRoom(n);
        checkTokens(tokens, offset, n); // before any chunk changes the state
        Activations a = s.activations(n);
        int vocab = config.vocabSize();
        float[] result = allLogits ? new float[n * vocab] : s.logits();
        float[] chunkLogits = allLogits && n > a.batch ? new float[a.batch * vocab] : result;
        for (int c0 = 0; c0 < n; c0 += a.batch) {
            int m = Math.min(a.batch, n - c0);
            embed(tokens, offset + c0, m, a.x);
            runLayers(s, m);
            if (allLogits) {
                headRows(a, m, chunkLogits);
                if (chunkLogits != result) {
                    System.arraycopy(chunkLogits, 0, result, c0 * vocab, m * vocab);
                }
            } else if (c0 + m == n) {
                headLast(a, m, result);
            }
        }
        return result;
    }

    /** Waits for a running warm-up: an interpreted pass beside it would only slow both down. */
    void awaitWarmUp() {
        if (!warmUp.isDone()) {
            warmUp.await();
        }
    }

    /** Embedding rows of {@code n} tokens into {@code x[n × dim]}. */
    void embed(int[] tokens, int offset, int n, float[] x) {
        checkTokens(tokens, offset, n);
        for (int t = 0; t < n; t++) {
            tokenEmbedding.dequantizeRow(tokens[offset + t], x, t * config.dim());
        }
    }

    private void checkTokens(int[] tokens, int offset, int n) {
        if (offset < 0 || offset + n > tokens.length) {
            throw new IllegalArgumentException("tokens [" + offset + ", " + (offset + n) + ") are outside an array of "
                    + tokens.length);
        }
        for (int t = offset; t < offset + n; t++) {
            if (tokens[t] < 0 || tokens[t] >= tokenEmbedding.rows()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " at index " + t
                        + " is outside the vocabulary [0, " + tokenEmbedding.rows() + ")");
            }
        }
    }

    /** The state's layers on a.x (n ≤ batch tokens) at s.position(); advances the position. */
    void runLayers(InferenceState s, int n) {
        awaitWarmUp();
        Activations a = s.activations();
        a.layout.contiguous(s.position(), n, s.contextLength());
        for (int l = s.firstLayer(); l < s.lastLayer(); l++) {
            layers[l].forward(a, s.kvCache().layer(l), n);
        }
        s.advance(n);
    }

    /** A paged state over all layers: see {@link ModelStage#newBatchState}. */
    public BatchState newBatchState(int numBlocks, int blockSize, int maxTokens) {
        return all.newBatchState(numBlocks, blockSize, maxTokens);
    }

    /**
     * One pass over all chunks of {@code batch} ({@code tokens}: their ids, concatenated in the
     * batch's order): computes and stores their K/V in the state's paged cache and returns, for each
     * chunk that asks for them, the logits of its last token ({@code numLogits × vocab}, in the
     * batch's order; a buffer of the state, reused by the next pass). A chunk gets the same logits,
     * bit for bit, as the same tokens through {@link #forward(InferenceState, int[], int, int, boolean)}.
     */
    public float[] forward(BatchState s, Batch batch, int[] tokens) {
        if (tokens.length != batch.numTokens()) {
            throw new IllegalArgumentException(tokens.length + " token ids for a batch of " + batch.numTokens());
        }
        checkTokens(tokens, 0, tokens.length); // before the pass changes the cache
        s.check(batch);
        Activations a = s.activations(tokens.length);
        embed(tokens, 0, tokens.length, a.x);
        runLayers(s, batch);
        return batchHead(s, batch, a.x);
    }

    /** The state's layers on a.x, laid out as {@code batch}. */
    void runLayers(BatchState s, Batch batch) {
        awaitWarmUp();
        Activations a = s.activations();
        a.layout.paged(batch, batch.tables());
        int n = a.layout.size();
        for (int l = s.firstLayer(); l < s.lastLayer(); l++) {
            layers[l].forward(a, s.kvCache().layer(l), n);
        }
    }

    /** Norm and output projection of the last hidden row of each chunk asking for logits. */
    float[] batchHead(BatchState s, Batch batch, float[] hidden) {
        Activations a = s.activations(batch.numTokens());
        int dim = config.dim();
        int rows = 0;
        int t = 0;
        for (Batch.Sequence seq : batch.sequences()) {
            t += seq.numTokens();
            if (seq.logits()) {
                System.arraycopy(hidden, (t - 1) * dim, a.xb2, rows++ * dim, dim);
            }
        }
        float[] out = s.logits(rows);
        if (rows > 0) {
            VectorOps.rmsNorm(a.xb2, a.xb, outputNorm, rows, dim, config.rmsEps());
            compute.matMul(output, a.xb, rows, out);
        }
        return out;
    }

    /** Final norm and output projection of all n rows of a.x: {@code out[n × vocab]}. */
    private void headRows(Activations a, int n, float[] out) {
        VectorOps.rmsNorm(a.x, a.xb, outputNorm, n, config.dim(), config.rmsEps());
        compute.matMul(output, a.xb, n, out);
    }

    /** Final norm and output projection of the last of n rows of a.x. */
    private void headLast(Activations a, int n, float[] out) {
        System.arraycopy(a.x, (n - 1) * config.dim(), a.xb2, 0, config.dim());
        VectorOps.rmsNorm(a.xb2, a.xb, outputNorm, 1, config.dim(), config.rmsEps());
        compute.matMul(output, a.xb, 1, out);
    }

    /** {@link ModelStage#logits}: the head over caller-provided hidden states. */
    float[] head(InferenceState s, float[] hidden, int n, boolean allRows) {
        Activations a = s.activations(allRows ? n : 1);
        int dim = config.dim();
        int vocab = config.vocabSize();
        if (!allRows) {
            System.arraycopy(hidden, (n - 1) * dim, a.x, 0, dim);
            headLast(a, 1, s.logits());
            return s.logits();
        }
        float[] result = new float[n * vocab];
        float[] chunk = n > a.batch ? new float[a.batch * vocab] : result;
        for (int c0 = 0; c0 < n; c0 += a.batch) {
            int m = Math.min(a.batch, n - c0);
            System.arraycopy(hidden, c0 * dim, a.x, 0, m * dim);
            headRows(a, m, chunk);
            if (chunk != result) {
                System.arraycopy(chunk, 0, result, c0 * vocab, m * vocab);
            }
        }
        return result;
    }

    InferenceState newState(int first, int last, int context, int batch, boolean head) {
        return new InferenceState(config, first, last, context, Math.min(batch, context), compute.threads(),
                rope(context), head);
    }

    BatchState newBatchState(int first, int last, int numBlocks, int blockSize, int maxTokens, boolean head) {
        int positions = (int) Math.min((long) numBlocks * blockSize, config.contextLength());
        return new BatchState(config, first, last, numBlocks, blockSize, maxTokens, positions, compute.threads(),
                rope(positions), head);
    }

    /** A rotary table covering at least {@code positions} positions (immutable, so states share it). */
    private synchronized RopeTable rope(int positions) {
        if (rope == null || rope.positions() < positions) {
            rope = new RopeTable(config.rope(), ropeFactors, positions);
        }
        return rope;
    }
}
