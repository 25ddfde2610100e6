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
 * A {@code qwen3} block: no biases; each query and key head is RMS-normed
 * ({@code attn_q_norm}, {@code attn_k_norm}, [headDim]) before NEOX rotary embedding. The head
 * size ({@code key_length}) need not be dim / heads. Also {@code qwen3moe}: the same attention,
 * then a MoE FFN with softmax top-k routing whose k weights are renormalized
 * ({@code norm_topk_prob}); no shared expert.
 */
public final class Qwen3 implements Layer {
    private final ModelConfig c;
    private final Compute compute;
    private final Attention attention;
    private final float[] attnNorm;     // [dim]
    private final WeightMatrix wq;      // [heads·headDim × dim]
    private final WeightMatrix wk;      // [kvHeads·headDim × dim]
    private final WeightMatrix wv;      // [kvHeads·headDim × dim]
    private final WeightMatrix wo;      // [dim × heads·headDim]
    private final float[] qNorm;        // [headDim]
    private final float[] kNorm;        // [headDim]
    private final float[] ffnNorm;      // [dim]
    private final FeedForward ffn;      // dense SwiGLU, or MoE (qwen3moe)

    private Qwen3(ModelConfig c, Compute compute, GgufFile f, String p) {
        this.c = c;
        this.compute = compute;
        this.attention = new Attention(c, compute);
        attnNorm = VectorOps.vector(f, p + "attn_norm.weight", c.dim());
        wq = VectorOps.matrix(f, p + "attn_q.weight", c.queryDim(), c.dim());
        wk = VectorOps.matrix(f, p + "attn_k.weight", c.kvDimK(), c.dim());
        wv = VectorOps.matrix(f, p + "attn_v.weight", c.kvDimV(), c.dim());
        wo = VectorOps.matrix(f, p + "attn_output.weight", c.dim(), c.heads() * c.headDimV());
        qNorm = VectorOps.vector(f, p + "attn_q_norm.weight", c.headDimK());
        kNorm = VectorOps.vector(f, p + "attn_k_norm.weight", c.headDimK());
        ffnNorm = VectorOps.vector(f, p + "ffn_norm.weight", c.dim());
        ffn = c.isMoe() ? MoeFeedForward.load(f, p, c, compute, null, null)
                : SwiGluFeedForward.load(f, p, "", c.dim(), c.ffnDim(), compute);
    }

    public static Qwen3 load(GgufFile f, ModelConfig c, int layer, Compute compute) {
        return new Qwen3(c, compute, f, "blk." + layer + ".");
    }

    @Override
    public void forward(Activations a, KvLayer kv, int n) {
        int dim = c.dim();
        // xb = rmsnorm(x) ⊙ attn_norm                                      [n × dim]
        VectorOps.rmsNorm(a.x, a.xb, attnNorm, n, dim, c.rmsEps());
        // q, k, v projections                                             [n × qDim], [n × kvDim]
        compute.matMul(a.xb, n, wq, a.q, wk, a.k, wv, a.v);
        // per-head RMSNorm of q and k                                     [n·heads × headDim]
        VectorOps.rmsNorm(a.q, a.q, qNorm, n * c.heads(), c.headDimK(), c.rmsEps());
        VectorOps.rmsNorm(a.k, a.k, kNorm, n * c.kvHeads(), c.headDimK(), c.rmsEps());
        // rotary embedding on halves (NEOX) of q and k
        attention.rope(a, n);
        // store k, v; causal attention                                    att: [n × heads·headDim]
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
