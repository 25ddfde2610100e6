package io.flotilla.train.model;

/**
 * Rotary position embedding in llama.cpp's "normal" mode (the one architecture {@code llama} uses):
 * adjacent pairs {@code (x[2i], x[2i+1])} of each head rotate by {@code pos * base^(-2i/headDim)}.
 */
public final class Rope {

    private final float[] cos;
    private final float[] sin;
    private final int half;

    public Rope(int context, int headDim, float base) {
        half = headDim / 2;
        cos = new float[context * half];
        sin = new float[context * half];
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(base, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates in place {@code x[rows][heads * headDim]}; row r sits at position {@code r % seq}. */
    public void forward(float[] x, int rows, int seq, int heads) {
        rotate(x, rows, seq, heads, 1f);
    }

    /** Back-propagates through {@link #forward} in place: the transpose rotation. */
    public void backward(float[] dx, int rows, int seq, int heads) {
        rotate(dx, rows, seq, heads, -1f);
    }

    private void rotate(float[] x, int rows, int seq, int heads, float sign) {
        int width = heads * half * 2;
        for (int r = 0; r < rows; r++) {
            int t = (r % seq) * half;
            for (int h = 0; h < heads; h++) {
                int base = r * width + h * half * 2;
                for (int i = 0; i < half; i++) {
                    float c = cos[t + i];
                    float s = sign * sin[t + i];
                    float x0 = x[base + 2 * i];
                    float x1 = x[base + 2 * i + 1];
                    x[base + 2 * i] = x0 * c - x1 * s;
                    x[base + 2 * i + 1] = x0 * s + x1 * c;
                }
            }
        }
    }
}
