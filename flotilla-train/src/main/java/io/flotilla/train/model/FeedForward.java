package io.flotilla.train.model;

/**
 * The feed-forward half of a block, with its own saved activations for every layer. Its input
 * is the normalised residual {@code x[rows][dim]}; its output replaces {@code out[rows][dim]}.
 */
public sealed interface FeedForward permits SwiGluFeedForward, MoeFeedForward {

    void forward(int layer, float[] params, float[] x, float[] out, int rows);

    /** Accumulates into {@code dx} and the gradient buffer; call in reverse layer order after forward. */
    void backward(int layer, float[] params, float[] grads, float[] x, float[] dOut, float[] dx, int rows);

    /** Weighted auxiliary loss of the last forward pass over all layers (0 for a dense model). */
    double auxLoss();

    static FeedForward create(ModelConfig config, ParameterLayout layout, int maxRows, Parallel par) {
        return config.moe() ? new MoeFeedForward(config, layout, maxRows, par)
                : new SwiGluFeedForward(config, layout, maxRows, par);
    }
}
