package io.flotilla.kernel;

import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * Dot products of one row of one weight format with one token of {@link Activations}: a vector
 * kernel and its scalar twin, which tests compare on random data. {@code row} is the byte offset of
 * the row in {@code w}; {@code t} the token. Quantized kernels read {@code a}'s 8-bit form.
 */
abstract sealed class DotKernel permits FloatKernels.F32, FloatKernels.F16, FloatKernels.Bf16, Q8_0Kernel,
        Q4_0Kernel, Q4_1Kernel, Q5_0Kernel, Q5_1Kernel, Q4_KKernel, Q5_KKernel, Q6_KKernel, PackedKernel {

    /** Whether this kernel reads the quantized activations (so they must be made first). */
    abstract boolean quantized();

    abstract float dot(MemorySegment w, long row, Activations a, int t);

    /**
     * {@link #dot} with the calling thread's scratch of at least {@link #scratch} floats, which
     * kernels that need one use instead of allocating.
     */
    float dot(MemorySegment w, long row, Activations a, int t, float[] scratch) {
        return dot(w, row, a, t);
    }

    /** Floats of the per-thread scratch that {@link #dot4} and {@link #dot} with a scratch need, rows of {@code cols}. */
    int scratch(int cols) {
        return Lanes.SCRATCH;
    }

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

    /** The fewest tokens of a product that {@link Gemm} takes (see {@link Gemm#MIN_TOKENS}). */
    int gemmTokens() {
        return Gemm.MIN_TOKENS;
    }

    /**
     * Whether {@link #dequantize} takes any whole blocks of columns (a vectorized panel dequantizer);
     * if not, it takes whole rows only, through {@link WeightMatrix#dequantizeRow}.
     */
    boolean panels() {
        return false;
    }

    /**
     * For {@link Gemm}: columns [c0, c1) of rows [r0, r1) of {@code w} as floats, row {@code r} at
     * {@code panel[(r - r0)*stride ..]}, exactly the values of {@link WeightMatrix#dequantizeRow}.
     * {@code c0} and {@code c1} are multiples of the format's block size; without {@link #panels},
     * only whole rows ({@code c0 = 0}, {@code c1 = cols}).
     */
    void dequantize(WeightMatrix w, int r0, int r1, int c0, int c1, float[] panel, int stride) {
        checkPanel(w, r0, r1, c0, c1, panel, stride);
        if (panels()) {
            long rowBytes = w.type().byteSize(w.cols());
            for (int r = r0; r < r1; r++) {
                panelRow(w.data(), r * rowBytes, c0, c1, panel, (r - r0) * stride);
            }
            return;
        }
        if (c0 != 0 || c1 != w.cols()) {
            throw new IllegalArgumentException(w.type() + " dequantizes whole rows only, asked for columns " + c0
                    + ".." + c1 + " of " + w.cols());
        }
        for (int r = r0; r < r1; r++) {
            w.dequantizeRow(r, panel, (r - r0) * stride);
        }
    }

    /**
     * For formats with {@link #panels}: columns [c0, c1) of the row at byte {@code row} of {@code w}
     * (checked by the caller) as floats from {@code dst[o]}.
     */
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no panel dequantizer");
    }

    /** The panel dequantizers' checks of their arguments (one place, named values). */
    static void checkPanel(WeightMatrix w, int r0, int r1, int c0, int c1, float[] panel, int stride) {
        int block = w.type().blockSize();
        if (r0 < 0 || r1 < r0 || r1 > w.rows() || c0 < 0 || c1 < c0 || c1 > w.cols() || c0 % block != 0
                || c1 % block != 0 || stride < c1 - c0 || (long) (r1 - r0) * stride > panel.length) {
            throw new IllegalArgumentException("panel out of range: rows " + r0 + ".." + r1 + " of " + w.rows()
                    + ", columns " + c0 + ".." + c1 + " of " + w.cols() + " (blocks of " + block + "), stride " + stride
                    + ", panel of " + panel.length + " floats");
        }
    }

    /** The result of a (row, token) from the lane sum of its tile accumulator and its scalar part. */
    float finish(float lanes, float off) {
        return lanes;
    }
}
