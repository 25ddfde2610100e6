package io.flotilla.train.model;

import java.util.Arrays;

/** Dense SwiGLU feed-forward: {@code down(silu(gate x) * up x)}. */
public final class SwiGluFeedForward implements FeedForward {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final Parallel par;
    private final float[][] gate;   // [layer][rows * ffn], before the activation
    private final float[][] up;     // [layer][rows * ffn]
    private final float[][] hidden; // [layer][rows * ffn], silu(gate) * up
    private final float[] dHidden;  // [rows * ffn] scratch
    private final float[] dGate;
    private final float[] dUp;

    SwiGluFeedForward(ModelConfig config, ParameterLayout layout, int maxRows, Parallel par) {
        this.config = config;
        this.par = par;
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
        Matmul.forward(par, gate[layer], 0, x, 0, params, p.gate(), d, f, rows);
        Matmul.forward(par, up[layer], 0, x, 0, params, p.up(), d, f, rows);
        SwiGlu.forward(hidden[layer], 0, gate[layer], up[layer], 0, rows * f);
        Matmul.forward(par, out, 0, hidden[layer], 0, params, p.down(), f, d, rows);
    }

    @Override
    public void backward(int layer, float[] params, float[] grads, float[] x, float[] dOut, float[] dx, int rows) {
        ParameterLayout.Block p = layout.block(layer);
        int d = config.dim();
        int f = config.ffnHidden();
        Arrays.fill(dHidden, 0, rows * f, 0f);
        Matmul.backwardInput(par, dHidden, 0, dOut, 0, params, p.down(), f, d, rows);
        Matmul.backwardWeight(par, grads, p.down(), dOut, 0, hidden[layer], 0, f, d, rows);
        SwiGlu.backward(dGate, dUp, dHidden, gate[layer], up[layer], 0, 0, rows * f);
        Matmul.backwardInput(par, dx, 0, dGate, 0, params, p.gate(), d, f, rows);
        Matmul.backwardInput(par, dx, 0, dUp, 0, params, p.up(), d, f, rows);
        Matmul.backwardWeight(par, grads, p.gate(), dGate, 0, x, 0, d, f, rows);
        Matmul.backwardWeight(par, grads, p.up(), dUp, 0, x, 0, d, f, rows);
    }

    @Override
    public double auxLoss() {
        return 0;
    }
}
