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
}
