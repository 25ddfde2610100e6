package io.flotilla.train.model;

import java.util.Arrays;

/**
 * A trainable Llama-style decoder with an explicit forward and backward pass (no autograd).
 * All parameters live in one float buffer ({@link #params()}), all gradients in another of the
 * same layout ({@link #grads()}); activations are allocated once for {@code maxBatch × context}
 * rows, so a training step allocates nothing.
 */
public final class LlamaModel {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final float[] params;
    private final float[] grads;
    private final Rope rope;
    private final FeedForward ffn;
    private final Parallel par;
    private final int maxRows;
    // saved activations, [layer][rows * width]; rows are b * seq + t
    private final float[][] residual;   // [layers + 1]: input of each block, then the final stream
    private final float[][] attnNormed;
    private final float[][] attnInv;
    private final float[][] q;
    private final float[][] k;
    private final float[][] v;
    private final float[][] att;        // [layer][batch * heads * seq * seq]
    private final float[][] attnOut;
    private final float[][] mid;        // residual after attention
    private final float[][] ffnNormed;
    private final float[][] ffnInv;
    private final float[] finalNormed;
    private final float[] finalInv;
    private final float[] logits;       // logits, then probabilities, then d logits
    // gradient scratch
    private final float[] dResidual;
    private final float[] dNormed;
    private final float[] dOut;
    private final float[] dq;
    private final float[] dk;
    private final float[] dv;
    private final float[] scratch;
    private int[] lastTokens;
    private int[] lastTargets;
    private int lastBatch;
    private int lastSeq;
    private double crossEntropy;

    public LlamaModel(ModelConfig config, int maxBatch) {
        this(config, maxBatch, Parallel.SERIAL);
    }

    /** A model whose matmuls split across {@code par}'s threads (results do not depend on the count). */
    public LlamaModel(ModelConfig config, int maxBatch, Parallel par) {
        this.config = config;
        this.par = par;
        this.layout = new ParameterLayout(config);
        this.params = new float[layout.size()];
        this.grads = new float[layout.size()];
        this.rope = new Rope(config.context(), config.headDim(), config.ropeBase());
        this.maxRows = maxBatch * config.context();
        this.ffn = FeedForward.create(config, layout, maxRows, par);
        int layers = config.layers();
        int d = config.dim();
        int n = maxRows;
        residual = new float[layers + 1][n * d];
        attnNormed = new float[layers][n * d];
        attnInv = new float[layers][n];
        q = new float[layers][n * d];
        k = new float[layers][n * config.kvDim()];
        v = new float[layers][n * config.kvDim()];
        att = new float[layers][maxBatch * config.heads() * config.context() * config.context()];
        attnOut = new float[layers][n * d];
        mid = new float[layers][n * d];
        ffnNormed = new float[layers][n * d];
        ffnInv = new float[layers][n];
        finalNormed = new float[n * d];
        finalInv = new float[n];
        logits = new float[n * config.vocab()];
        dResidual = new float[n * d];
        dNormed = new float[n * d];
        dOut = new float[n * d];
        dq = new float[n * d];
        dk = new float[n * config.kvDim()];
        dv = new float[n * config.kvDim()];
        scratch = new float[config.context()];
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The parameter buffer (live: the optimizer updates it in place). */
    public float[] params() {
        return params;
    }

    /** The gradient buffer, same layout as {@link #params()}. */
    public float[] grads() {
        return grads;
    }

    /** GPT-2-style initialisation: N(0, 0.02), output projections of residual branches scaled by 1/sqrt(2L), norms 1. */
    public void initialize(Rng rng) {
        float std = 0.02f;
        float residualStd = (float) (std / Math.sqrt(2.0 * config.layers()));
        for (ParameterLayout.Slot s : layout.slots()) {
            boolean norm = s.ne().length == 1;
            boolean projection = s.name().endsWith("attn_output.weight") || s.name().contains("ffn_down");
            for (int i = s.offset(); i < s.offset() + s.size(); i++) {
                params[i] = norm ? 1f : (float) rng.nextGaussian() * (projection ? residualStd : std);
            }
        }
    }

    public void zeroGrad() {
        Arrays.fill(grads, 0f);
    }

    /**
     * Runs the model over {@code tokens[batch * seq]} and returns the mean cross-entropy against
     * {@code targets} (plus the MoE load-balancing loss). Keeps what backward needs.
     */
    public double forward(int[] tokens, int[] targets, int batch, int seq) {
        if (seq > config.context() || batch * seq > maxRows) {
            throw new IllegalArgumentException("batch " + batch + " x seq " + seq
                    + " exceeds the model's context " + config.context() + " / rows " + maxRows);
        }
        int rows = batch * seq;
        int d = config.dim();
        int hd = config.headDim();
        int kv = config.kvDim();
        // token embedding: residual[0][r] = E[tokens[r]]
        for (int r = 0; r < rows; r++) {
            System.arraycopy(params, layout.tokenEmbedding() + tokens[r] * d, residual[0], r * d, d);
        }
        for (int l = 0; l < config.layers(); l++) {
            ParameterLayout.Block p = layout.block(l);
            // attention: x -> norm -> q, k, v [rows][heads*hd | kv] -> rope -> causal softmax -> wo
            RmsNorm.forward(attnNormed[l], residual[l], attnInv[l], params, p.attnNorm(), rows, d, config.normEps());
            Matmul.forward(par, q[l], 0, attnNormed[l], 0, params, p.wq(), d, d, rows);
            Matmul.forward(par, k[l], 0, attnNormed[l], 0, params, p.wk(), d, kv, rows);
            Matmul.forward(par, v[l], 0, attnNormed[l], 0, params, p.wv(), d, kv, rows);
            rope.forward(q[l], rows, seq, config.heads());
            rope.forward(k[l], rows, seq, config.kvHeads());
            Attention.forward(attnOut[l], att[l], q[l], k[l], v[l], batch, seq, config.heads(), config.kvHeads(), hd);
            Matmul.forward(par, mid[l], 0, attnOut[l], 0, params, p.wo(), d, d, rows);
            add(mid[l], residual[l], rows * d);
            // feed-forward: mid -> norm -> ffn -> + mid
            RmsNorm.forward(ffnNormed[l], mid[l], ffnInv[l], params, p.ffnNorm(), rows, d, config.normEps());
            ffn.forward(l, params, ffnNormed[l], residual[l + 1], rows);
            add(residual[l + 1], mid[l], rows * d);
        }
        // head: final norm -> output projection [rows][vocab] -> softmax cross-entropy
        int last = config.layers();
        RmsNorm.forward(finalNormed, residual[last], finalInv, params, layout.outputNorm(), rows, d, config.normEps());
        Matmul.forward(par, logits, 0, finalNormed, 0, params, layout.output(), d, config.vocab(), rows);
        crossEntropy = CrossEntropy.forward(logits, targets, rows, config.vocab());
        lastTokens = tokens;
        lastTargets = targets;
        lastBatch = batch;
        lastSeq = seq;
        return crossEntropy + ffn.auxLoss();
    }

    /** Cross-entropy alone (without the MoE auxiliary loss) of the last forward pass. */
    public double crossEntropy() {
        return crossEntropy;
    }

    /** The softmax probabilities of the last forward pass, {@code [rows][vocab]} (valid until backward). */
    public float[] probabilities() {
        return logits;
    }

    /** Accumulates into {@link #grads()} the gradient of the last forward's loss. */
    public void backward() {
        int batch = lastBatch;
        int seq = lastSeq;
        int rows = batch * seq;
        int d = config.dim();
        int hd = config.headDim();
        int kv = config.kvDim();
        int vocab = config.vocab();
        // head backward
        CrossEntropy.backward(logits, lastTargets, rows, vocab);
        Arrays.fill(dNormed, 0, rows * d, 0f);
        Matmul.backwardInput(par, dNormed, 0, logits, 0, params, layout.output(), d, vocab, rows);
        Matmul.backwardWeight(par, grads, layout.output(), logits, 0, finalNormed, 0, d, vocab, rows);
        Arrays.fill(dResidual, 0, rows * d, 0f);
        RmsNorm.backward(dResidual, grads, layout.outputNorm(), dNormed, residual[config.layers()], finalInv,
                params, rows, d);
        for (int l = config.layers() - 1; l >= 0; l--) {
            ParameterLayout.Block p = layout.block(l);
            // feed-forward branch: dResidual flows straight to mid and through ffn + norm
            Arrays.fill(dNormed, 0, rows * d, 0f);
            ffn.backward(l, params, grads, ffnNormed[l], dResidual, dNormed, rows);
            RmsNorm.backward(dResidual, grads, p.ffnNorm(), dNormed, mid[l], ffnInv[l], params, rows, d);
            // attention branch: dResidual (now d mid) flows to residual[l] and through wo, attention, rope, qkv, norm
            Arrays.fill(dOut, 0, rows * d, 0f);
            Matmul.backwardInput(par, dOut, 0, dResidual, 0, params, p.wo(), d, d, rows);
            Matmul.backwardWeight(par, grads, p.wo(), dResidual, 0, attnOut[l], 0, d, d, rows);
            Arrays.fill(dq, 0, rows * d, 0f);
            Arrays.fill(dk, 0, rows * kv, 0f);
            Arrays.fill(dv, 0, rows * kv, 0f);
            Attention.backward(dq, dk, dv, dOut, att[l], q[l], k[l], v[l], scratch,
                    batch, seq, config.heads(), config.kvHeads(), hd);
            rope.backward(dq, rows, seq, config.heads());
            rope.backward(dk, rows, seq, config.kvHeads());
            Arrays.fill(dNormed, 0, rows * d, 0f);
            Matmul.backwardInput(par, dNormed, 0, dq, 0, params, p.wq(), d, d, rows);
            Matmul.backwardInput(par, dNormed, 0, dk, 0, params, p.wk(), d, kv, rows);
            Matmul.backwardInput(par, dNormed, 0, dv, 0, params, p.wv(), d, kv, rows);
            Matmul.backwardWeight(par, grads, p.wq(), dq, 0, attnNormed[l], 0, d, d, rows);
            Matmul.backwardWeight(par, grads, p.wk(), dk, 0, attnNormed[l], 0, d, kv, rows);
            Matmul.backwardWeight(par, grads, p.wv(), dv, 0, attnNormed[l], 0, d, kv, rows);
            RmsNorm.backward(dResidual, grads, p.attnNorm(), dNormed, residual[l], attnInv[l], params, rows, d);
        }
        // token embedding
        for (int r = 0; r < rows; r++) {
            Matmul.axpy(1f, dResidual, r * d, grads, layout.tokenEmbedding() + lastTokens[r] * d, d);
        }
    }

    private static void add(float[] y, float[] x, int n) {
        Matmul.axpy(1f, x, 0, y, 0, n);
    }
}
