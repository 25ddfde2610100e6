package io.flotilla.model.arch;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Activations;
import io.flotilla.model.Attention;
import io.flotilla.model.KvLayer;
import io.flotilla.model.Layer;
import io.flotilla.model.FeedForward;
import io.flotilla.model.ModelConfig;
import io.flotilla.model.MoeFeedForward;
import io.flotilla.model.SwiGluFeedForward;
import io.flotilla.model.VectorOps;
import io.flotilla.tensor.WeightMatrix;

/**
 * A {@code qwen2} block (Qwen 2, Qwen 2.5): like Llama but with q, k and v biases and rotary
 * embedding on halves of each head (NEOX). Also {@code qwen2moe} (Qwen1.5-MoE, Qwen2-57B-A14B):
 * the same attention, then a MoE FFN with softmax top-k routing whose k weights are NOT
 * renormalized, plus a shared expert scaled by {@code sigmoid(ffn_gate_inp_shexp · x)}.
 */
public final class Qwen2 implements Layer {
    private final ModelConfig c;
    private final Compute compute;
    private final Attention attention;
    private final float[] attnNorm;     // [dim]
    private final WeightMatrix wq;      // [heads·headDimK × dim]
    private final WeightMatrix wk;      // [kvHeads·headDimK × dim]
    private final WeightMatrix wv;      // [kvHeads·headDimV × dim]
    private final WeightMatrix wo;      // [dim × heads·headDimV]
    private final float[] bq;           // [heads·headDimK]
    private final float[] bk;           // [kvHeads·headDimK]
    private final float[] bv;           // [kvHeads·headDimV]
    private final float[] ffnNorm;      // [dim]
    private final FeedForward ffn;      // dense SwiGLU, or MoE (qwen2moe)

    private Qwen2(ModelConfig c, Compute compute, GgufFile f, String p) {
        this.c = c;
        this.compute = compute;
        this.attention = new Attention(c, compute);
        attnNorm = VectorOps.vector(f, p + "attn_norm.weight", c.dim());
        wq = VectorOps.matrix(f, p + "attn_q.weight", c.queryDim(), c.dim());
        wk = VectorOps.matrix(f, p + "attn_k.weight", c.kvDimK(), c.dim());
        wv = VectorOps.matrix(f, p + "attn_v.weight", c.kvDimV(), c.dim());
        wo = VectorOps.matrix(f, p + "attn_output.weight", c.dim(), c.heads() * c.headDimV());
        bq = VectorOps.vector(f, p + "attn_q.bias", c.queryDim());
        bk = VectorOps.vector(f, p + "attn_k.bias", c.kvDimK());
        bv = VectorOps.vector(f, p + "attn_v.bias", c.kvDimV());
        ffnNorm = VectorOps.vector(f, p + "ffn_norm.weight", c.dim());
        ffn = c.isMoe() ? moe(f, c, p, compute) : SwiGluFeedForward.load(f, p, "", c.dim(), c.ffnDim(), compute);
    }

    /**
     * Routed experts (softmax top-k, k weights not renormalized) plus, when the file has one, a
     * shared expert scaled by {@code sigmoid(ffn_gate_inp_shexp · x)}.
     */
    private static MoeFeedForward moe(GgufFile f, ModelConfig c, String p, Compute compute) {
        if (!f.hasTensor(p + "ffn_gate_inp_shexp.weight")) {
            return MoeFeedForward.load(f, p, c, compute, null, null);
        }
        SwiGluFeedForward shared = SwiGluFeedForward.load(f, p, "_shexp", c.dim(), c.sharedExpertFfnDim(), compute);
        WeightMatrix sharedGate = VectorOps.matrix(f, p + "ffn_gate_inp_shexp.weight", 1, c.dim());
        return MoeFeedForward.load(f, p, c, compute, shared, sharedGate);
    }

    public static Qwen2 load(GgufFile f, ModelConfig c, int layer, Compute compute) {
        return new Qwen2(c, compute, f, "blk." + layer + ".");
    }

    @Override
    public void forward(Activations a, KvLayer kv, int n) {
        int dim = c.dim();
        // xb = rmsnorm(x) ⊙ attn_norm                                      [n × dim]
        VectorOps.rmsNorm(a.x, a.xb, attnNorm, n, dim, c.rmsEps());
        // q, k, v projections plus biases                                 [n × qDim], [n × kvDim]
        compute.matMul(a.xb, n, wq, a.q, wk, a.k, wv, a.v);
        VectorOps.addBias(a.q, bq, n);
        VectorOps.addBias(a.k, bk, n);
        VectorOps.addBias(a.v, bv, n);
        // rotary embedding on halves (NEOX) of q and k
        attention.rope(a, n);
        // store k, v; causal attention                                    att: [n × heads·headDimV]
        attention.forward(a, kv, n);
        // x += wo · att
        compute.matMul(wo, a.att, n, a.xb2);
        VectorOps.add(a.x, a.xb2, n * dim);
        // x += ffn(rmsnorm(x) ⊙ ffn_norm)
        VectorOps.rmsNorm(a.x, a.xb, ffnNorm, n, dim, c.rmsEps());
        ffn.forward(a, n);
        VectorOps.add(a.x, a.xb2, n * dim);
    }
}
