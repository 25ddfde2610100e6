package io.flotilla.train.model;

/**
 * Shape of a Llama-style decoder to train: token embedding, {@code layers} blocks of
 * RMSNorm, grouped-query attention with RoPE, RMSNorm and a SwiGLU feed-forward (dense,
 * or a mixture of {@code experts} of which each token uses {@code expertsUsed}), a final
 * RMSNorm and an untied output projection.
 *
 * @param vocab       tokens in the vocabulary
 * @param dim         width of the residual stream
 * @param layers      transformer blocks
 * @param heads       query heads; {@code dim % heads == 0}
 * @param kvHeads     key/value heads; {@code heads % kvHeads == 0}
 * @param ffnHidden   hidden width of each SwiGLU feed-forward
 * @param context     longest sequence the model sees (RoPE positions 0..context-1)
 * @param ropeBase    RoPE frequency base
 * @param normEps     epsilon added inside the RMSNorm square root
 * @param experts     experts per MoE layer, 0 for a dense feed-forward
 * @param expertsUsed experts each token is routed to (top-k), 0 when dense
 * @param auxLossWeight weight of the load-balancing loss added to the MoE model's loss
 */
public record ModelConfig(int vocab, int dim, int layers, int heads, int kvHeads, int ffnHidden,
                          int context, float ropeBase, float normEps,
                          int experts, int expertsUsed, float auxLossWeight) {

    public ModelConfig {
        positive("vocab", vocab);
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("ffnHidden", ffnHidden);
        positive("context", context);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if ((dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("head dimension " + dim / heads + " must be even for RoPE");
        }
        if (experts < 0 || expertsUsed < 0 || expertsUsed > experts || (experts > 0) != (expertsUsed > 0)) {
            throw new IllegalArgumentException("experts " + experts + " / expertsUsed " + expertsUsed
                    + ": need 0/0 (dense) or 1 <= expertsUsed <= experts");
        }
    }

    /** A dense model with Llama defaults: kvHeads = heads, FFN width ≈ 8/3·dim rounded up to 32. */
    public static ModelConfig dense(int vocab, int dim, int layers, int heads, int context) {
        return new ModelConfig(vocab, dim, layers, heads, heads, defaultFfnHidden(dim), context,
                10000f, 1e-5f, 0, 0, 0f);
    }

    /** SwiGLU width that keeps the FFN's parameter count near a 4·dim GELU MLP, rounded up to 32. */
    public static int defaultFfnHidden(int dim) {
        int hidden = (int) Math.ceil(8.0 * dim / 3.0);
        return (hidden + 31) / 32 * 32;
    }

    public ModelConfig withKvHeads(int kv) {
        return new ModelConfig(vocab, dim, layers, heads, kv, ffnHidden, context, ropeBase, normEps,
                experts, expertsUsed, auxLossWeight);
    }

    public ModelConfig withFfnHidden(int hidden) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, hidden, context, ropeBase, normEps,
                experts, expertsUsed, auxLossWeight);
    }

    public ModelConfig withExperts(int count, int used, float auxWeight) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, ffnHidden, context, ropeBase, normEps,
                count, used, auxWeight);
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    public boolean moe() {
        return experts > 0;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
