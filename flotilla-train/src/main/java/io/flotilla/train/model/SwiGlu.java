package io.flotilla.train.model;

/** The SwiGLU gate {@code h = silu(g) * u} with {@code silu(g) = g * sigmoid(g)}. */
public final class SwiGlu {

    private SwiGlu() {}

    public static void forward(float[] h, int hOff, float[] g, float[] u, int off, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[off + i];
            h[hOff + i] = x / (1f + (float) Math.exp(-x)) * u[off + i];
        }
    }

    /** Writes (not accumulates) {@code dg, du} from {@code dh}. */
    public static void backward(float[] dg, float[] du, float[] dh, float[] g, float[] u, int off, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[off + i];
            float sig = 1f / (1f + (float) Math.exp(-x));
            float d = dh[dOff + i];
            du[dOff + i] = d * x * sig;
            dg[dOff + i] = d * u[off + i] * sig * (1f + x * (1f - sig));
        }
    }
}
