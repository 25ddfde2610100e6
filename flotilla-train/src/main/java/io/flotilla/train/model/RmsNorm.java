package io.flotilla.train.model;

/** RMSNorm over rows of width {@code dim}: {@code y = x / sqrt(mean(x²) + eps) * g}. */
public final class RmsNorm {

    private RmsNorm() {}

    /** Normalises rows {@code [0, rows)} of {@code x} into {@code y}; stores 1/rms of each row in {@code inv}. */
    public static void forward(float[] y, float[] x, float[] inv, float[] g, int gOff, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float ss = Matmul.dot(x, o, x, o, dim);
            float s = (float) (1.0 / Math.sqrt(ss / dim + eps));
            inv[r] = s;
            for (int i = 0; i < dim; i++) {
                y[o + i] = x[o + i] * s * g[gOff + i];
            }
        }
    }

    /** Accumulates into {@code dx} and {@code dg} the gradients given {@code dy}, the input and saved 1/rms. */
    public static void backward(float[] dx, float[] dg, int gOff, float[] dy, float[] x, float[] inv, float[] g,
                                int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float s = inv[r];
            float dot = 0f;
            for (int i = 0; i < dim; i++) {
                float dxhat = dy[o + i] * g[gOff + i];
                dot += dxhat * x[o + i];
                dg[gOff + i] += dy[o + i] * x[o + i] * s;
            }
            float k = dot * s * s * s / dim;
            for (int i = 0; i < dim; i++) {
                dx[o + i] += dy[o + i] * g[gOff + i] * s - k * x[o + i];
            }
        }
    }
}
