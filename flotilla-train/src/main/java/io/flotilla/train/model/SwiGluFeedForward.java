package io.flotilla.train.model;

import java.util.Arrays;

/** Dense SwiGLU feed-forward: {@code down(silu(gate x) * up x)}. */
public final class SwiGluFeedForward implements FeedForward {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final float[][] gate;   // [layer][rows * ffn], before the activation
    private final float[][] up;     // [layer][rows * ffn]
    private final float[][] hidden; // [layer][rows * ffn], silu(gate) * up
    private final float[] dHidden;  // [rows * ffn] scratch
    private final float[] dGate;
    private final float[] dUp;

    SwiGluFeedForward(ModelConfig config, ParameterLayout layout, int maxRows) {
        this.config = config;
        this.layout = layout;
        int n = maxRows * config.ffnHidden();
        gate = new float[config.layers()][n];
        up = new float[config.layers()][n];
        hidden = new float[config.layers()][n];
        dHidden = new float[n];
        dGate = new float[n];
        dUp = new float[n];
    }

    @Override
    public void forward(int layer, float[] params, float[] x, float[] out, int rows) {
        ParameterLayout.Block p = layout.block(layer);
        int d = config.dim();
        int f = config.ffnHidden();
        Matmul.forward(gate[layer], 0, x, 0, params, p.gate(), d, f, 0, rows);
        Matmul.forward(up[layer], 0, x, 0, params, p.up(), d, f, 0, rows);
        SwiGlu.forward(hidden[layer], 0, gate[layer], up[layer], 0, rows * f);
        Matmul.forward(out, 0, hidden[layer], 0, params, p.down(), f, d, 0, rows);
    }

    @Override
    public void backward(int layer, float[] params, float[] grads, float[] x, float[] dOut, float[] dx, int rows) {
        ParameterLayout.Block p = layout.block(layer);
        int d = config.dim();
        int f = config.ffnHidden();
        Arrays.fill(dHidden, 0, rows * f, 0f);
        Matmul.backwardInput(dHidden, 0, dOut, 0, params, p.down(), f, d, 0, rows);
        Matmul.backwardWeight(grads, p.down(), dOut, 0, hidden[layer], 0, f, d, rows, 0, d);
        SwiGlu.backward(dGate, dUp, dHidden, gate[layer], up[layer], 0, 0, rows * f);
        Matmul.backwardInput(dx, 0, dGate, 0, params, p.gate(), d, f, 0, rows);
        Matmul.backwardInput(dx, 0, dUp, 0, params, p.up(), d, f, 0, rows);
        Matmul.backwardWeight(grads, p.gate(), dGate, 0, x, 0, d, f, rows, 0, f);
        Matmul.backwardWeight(grads, p.up(), dUp, 0, x, 0, d, f, rows, 0, f);
    }

    @Override
    public double auxLoss() {
        return 0;
    }
}
