package io.flotilla.model;

/**
 * Rotary position embedding, with cos/sin precomputed for positions [0, positions). The angles are
 * computed as ggml computes them (float arithmetic, the frequency advanced by repeated
 * multiplication, per-frequency divisors, YaRN ramp), so that positions match llama.cpp.
 */
final class RopeTable {
    private final Architecture.RopeType type;
    private final int dims;
    private final int half;
    private final float[] cos; // [positions × dims/2]
    private final float[] sin; // [positions × dims/2]

    /** {@code freqFactors}: per-frequency divisors (Llama 3 {@code rope_freqs}), or null. */
    RopeTable(RopeConfig c, float[] freqFactors, int positions) {
        this.type = c.type();
        this.dims = c.dims();
        this.half = dims / 2;
        this.cos = new float[positions * half];
        this.sin = new float[positions * half];
        float thetaScale = (float) Math.pow(c.base(), -2.0 / dims);
        boolean yarn = c.scaling() == RopeConfig.Scaling.YARN;
        float[] corr = yarnCorrectionDims(dims, c.originalContext(), c.base());
        float mscale = c.attnFactor() * (yarn ? 1f + 0.1f * (float) Math.log(1f / c.freqScale()) : 1f);
        for (int p = 0; p < positions; p++) {
            float theta = p;
            for (int i = 0; i < half; i++) {
                float extrap = freqFactors == null ? theta : theta / freqFactors[i];
                float angle = c.freqScale() * extrap;
                if (yarn) { // blend interpolation and extrapolation across the correction range
                    float ramp = rampAt(corr[0], corr[1], 2 * i);
                    angle = angle * (1 - ramp) + extrap * ramp;
                }
                cos[p * half + i] = (float) Math.cos(angle) * mscale;
                sin[p * half + i] = (float) Math.sin(angle) * mscale;
                theta *= thetaScale;
            }
        }
    }

    int positions() {
        return cos.length / half;
    }

    /** Rotates {@code heads} vectors of {@code headDim} floats starting at {@code x[off]}, at position {@code pos}. */
    void rotate(float[] x, int off, int heads, int headDim, int pos) {
        int t = pos * half;
        int pairStride = type == Architecture.RopeType.NEOX ? 1 : 2; // index step between pairs
        int partner = type == Architecture.RopeType.NEOX ? half : 1;  // offset of a pair's second element
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = base + i * pairStride;
                float x0 = x[a];
                float x1 = x[a + partner];
                float c = cos[t + i];
                float s = sin[t + i];
                x[a] = x0 * c - x1 * s;
                x[a + partner] = x0 * s + x1 * c;
            }
        }
    }

    private static float rampAt(float low, float high, int i0) {
        float y = (i0 / 2 - low) / Math.max(0.001f, high - low);
        return 1 - Math.min(1, Math.max(0, y));
    }

    private static float[] yarnCorrectionDims(int dims, int originalContext, float base) {
        float start = (float) Math.floor(correctionDim(dims, originalContext, RopeConfig.YARN_BETA_FAST, base));
        float end = (float) Math.ceil(correctionDim(dims, originalContext, RopeConfig.YARN_BETA_SLOW, base));
        return new float[] {Math.max(0, start), Math.min(dims - 1, end)};
    }

    private static float correctionDim(int dims, int originalContext, float rotations, float base) {
        return dims * (float) Math.log(originalContext / (rotations * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }
}
