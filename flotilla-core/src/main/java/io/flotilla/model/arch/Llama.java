package io.flotilla.model.arch;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Activations;
import io.flotilla.model.Attention;
import io.flotilla.model.FeedForward;
import io.flotilla.model.KvLayer;
import io.flotilla.model.Layer;
import io.flotilla.model.ModelConfig;
import io.flotilla.model.MoeFeedForward;
import io.flotilla.model.SwiGluFeedForward;
import io.flotilla.model.VectorOps;
import io.flotilla.tensor.WeightMatrix;

/**
 * A {@code llama} block (Llama 2/3, Mistral, SmolLM, TinyStories; Mixtral when the file has
 * experts): pre-norm RMSNorm, attention with rotary embedding on adjacent pairs and optional
 * q/k/v/o biases, then a SwiGLU FFN or a top-k MoE whose k weights are renormalized.
 */
public final class Llama implements Layer {
    private final ModelConfig c;
    private final Compute compute;
    private final Attention attention;
    private final float[] attnNorm;     // [dim]
    private final WeightMatrix wq;      // [heads·headDimK × dim]
    private final WeightMatrix wk;      // [kvHeads·headDimK × dim]
    private final WeightMatrix wv;      // [kvHeads·headDimV × dim]
    private final WeightMatrix wo;      // [dim × heads·headDimV]
    private final float[] bq, bk, bv, bo; // optional biases, null when absent
    private final float[] ffnNorm;      // [dim]
    private final FeedForward ffn;      // dense SwiGLU, or MoE (Mixtral)

    private Llama(ModelConfig c, Compute compute, GgufFile f, String p) {
        this.c = c;
        this.compute = compute;
        this.attention = new Attention(c, compute);
        int attDim = c.heads() * c.headDimV();
        attnNorm = VectorOps.vector(f, p + "attn_norm.weight", c.dim());
        wq = VectorOps.matrix(f, p + "attn_q.weight", c.queryDim(), c.dim());
        wk = VectorOps.matrix(f, p + "attn_k.weight", c.kvDimK(), c.dim());
        wv = VectorOps.matrix(f, p + "attn_v.weight", c.kvDimV(), c.dim());
        wo = VectorOps.matrix(f, p + "attn_output.weight", c.dim(), attDim);
        bq = VectorOps.optionalVector(f, p + "attn_q.bias", c.queryDim());
        bk = VectorOps.optionalVector(f, p + "attn_k.bias", c.kvDimK());
        bv = VectorOps.optionalVector(f, p + "attn_v.bias", c.kvDimV());
        bo = VectorOps.optionalVector(f, p + "attn_output.bias", c.dim());
        ffnNorm = VectorOps.vector(f, p + "ffn_norm.weight", c.dim());
        ffn = f.hasTensor(p + "ffn_gate_inp.weight")
                ? MoeFeedForward.load(f, p, c, compute, null, null)
                : SwiGluFeedForward.load(f, p, "", c.dim(), c.ffnDim(), compute);
    }

    /** Block {@code layer}'s tensors ({@code blk.N.*}). */
    public static Llama load(GgufFile f, ModelConfig c, int layer, Compute compute) {
        return new Llama(c, compute, f, "blk." + layer + ".");
    }

    @Override
    public void forward(Activations a, KvLayer kv, int n) {
        int dim = c.dim();
        // xb = rmsnorm(x) ⊙ attn_norm                                      [n × dim]
        VectorOps.rmsNorm(a.x, a.xb, attnNorm, n, dim, c.rmsEps());
        // q, k, v projections (+ biases)                                  [n × qDim], [n × kvDim]
        compute.matMul(a.xb, n, wq, a.q, wk, a.k, wv, a.v);
        addBias(a.q, bq, n);
        addBias(a.k, bk, n);
        addBias(a.v, bv, n);
        // rotary embedding on adjacent pairs of q and k
        attention.rope(a, n);
        // store k, v in the cache; causal attention over it               att: [n × heads·headDimV]
        attention.forward(a, kv, n);
        // output projection and residual                                  x += wo · att
        compute.matMul(wo, a.att, n, a.xb2);
        addBias(a.xb2, bo, n);
        VectorOps.add(a.x, a.xb2, n * dim);
        // xb = rmsnorm(x) ⊙ ffn_norm; x += ffn(xb)
        VectorOps.rmsNorm(a.x, a.xb, ffnNorm, n, dim, c.rmsEps());
        ffn.forward(a, n);
        VectorOps.add(a.x, a.xb2, n * dim);
    }

    private static void addBias(float[] x, float[] bias, int n) {
        if (bias != null) {
            VectorOps.addBias(x, bias, n);
        }
    }
}
