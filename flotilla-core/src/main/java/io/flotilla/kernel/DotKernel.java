package io.flotilla.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of one row of one weight format with one token of {@link Activations}: a vector
 * kernel and its scalar twin, which tests compare on random data. {@code row} is the byte offset of
 * the row in {@code w}; {@code t} the token. Quantized kernels read {@code a}'s 8-bit form.
 */
abstract sealed class DotKernel permits FloatKernels.F32, FloatKernels.F16, FloatKernels.Bf16, Q8_0Kernel,
        Q4_0Kernel, Q4_1Kernel, Q5_0Kernel, Q5_1Kernel, Q4_KKernel, Q5_KKernel, Q6_KKernel {

    /** Whether this kernel reads the quantized activations (so they must be made first). */
    abstract boolean quantized();

    abstract float dot(MemorySegment w, long row, Activations a, int t);

    abstract float dotScalar(MemorySegment w, long row, Activations a, int t);

    /**
     * Tokens {@code t .. t+3} against one row, {@code out[o + k*stride]} for token {@code t+k}.
     * Formats override this to decode each weight block once for the four tokens. {@code lanes}
     * is the calling thread's scratch of {@link Lanes#SCRATCH} floats for the final lane sums.
     */
    void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride, float[] lanes) {
        for (int k = 0; k < 4; k++) {
            out[o + k * stride] = dot(w, row, a, t + k);
        }
    }

    /**
     * The fewest tokens of a group for which {@link Tiles} ({@link #scales}, {@link #decode}) beats
     * {@link #dot4} for this format, as measured with {@code MatVecBench}; 0 for formats that never
     * use the tiles. Tiles decode each row once per group, which pays off only over enough tokens.
     */
    int tileTokens() {
        return 0;
    }

    /**
     * For {@link Tiles}: the scales of blocks {@code [b0, b1)} of the row at byte {@code row} for the
     * tokens of the tile group whose slots start at {@code slot0} ({@link Activations#qt}), as dot
     * rounds them, at {@code sc[(b - b0)*TOKENS + t]}; and the scalar part of each token added to
     * {@code off[oo + t]} in dot's order. The scales go to {@code sc[so + (b - b0)*TOKENS + t]}.
     */
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no tile");
    }

    /**
     * For {@link Tiles}: blocks {@code [b0, b1)} of the row at byte {@code row} as floats, 32 per
     * block from {@code wq[wo]}: lane {@code j} of each 16-lane half holds the weight quant that
     * {@link #dot} multiplies with activation quant {@code j} of that half, so that
     * {@code lo·a[0..16) + hi·a[16..32)} is dot's integer lane sum exactly (the scale is applied
     * after, with {@link #scales}).
     */
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no tile");
    }

    /** The result of a (row, token) from the lane sum of its tile accumulator and its scalar part. */
    float finish(float lanes, float off) {
        return lanes;
    }
}
