package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The native one-token products ({@code flotilla_matvec_*} of {@link NativeKernels}) for Q4_0, Q8_0,
 * Q4_K and Q6_K weights, read in place from the GGUF data: the activations are quantized exactly as
 * {@link Activations} quantizes them for the Java kernels (Q8_0 blocks, or Q8_K for K-quants), as bytes
 * with the sums of every 16 and (negated) every 4 quants, once per product, on the calling thread: by the
 * native library ({@link #quantize}, what {@link Compute} uses) or from an {@link Activations} ({@link #prepare}).
 * Each {@link Compute} thread then calls the kernel for its own rows. One instance per Compute.
 */
final class NativeMatVec {
    private static final FunctionDescriptor MATVEC = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    private static final MethodHandle Q4_0 = handle("flotilla_matvec_q4_0");
    private static final MethodHandle Q8_0 = handle("flotilla_matvec_q8_0");
    private static final MethodHandle Q4_K = handle("flotilla_matvec_q4_k");
    private static final MethodHandle Q6_K = handle("flotilla_matvec_q6_k");
    private static final MethodHandle QUANTIZE = NativeKernels.available()
            ? NativeKernels.downcall("flotilla_quantize_q8", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS), true)
            : null;

    private byte[] q = new byte[0];
    private short[] s16 = new short[0];
    private int[] neg4 = new int[0];
    private float[] d; // the scales of the tokens: Activations' own after prepare, scales below after quantize
    private float[] scales = new float[0];
    private int n;
    private int cols;

    /** Whether the native kernels serve {@code w} ({@link NativeKernels#available()} and a type they have). */
    static boolean serves(WeightMatrix w) {
        return handle(w.type()) != null && !w.packed();
    }

    private static MethodHandle handle(GgmlType type) {
        return switch (type) {
            case Q4_0 -> Q4_0;
            case Q8_0 -> Q8_0;
            case Q4_K -> Q4_K;
            case Q6_K -> Q6_K;
            default -> null;
        };
    }

    private static MethodHandle handle(String name) {
        return NativeKernels.available() ? NativeKernels.downcall(name, MATVEC, true) : null;
    }

    /**
     * Quantizes {@code n} tokens of {@code cols} floats of {@code x} in the native library, to the same
     * bytes, scales and sums as {@link Activations#quantize} followed by {@link #prepare} (Q8_K when
     * {@code superBlocks}, for K-quant weights, else Q8_0): one call instead of two passes in Java.
     */
    void quantize(float[] x, int n, int cols, boolean superBlocks) {
        int block = superBlocks ? Activations.SUPER_BLOCK : Activations.BLOCK;
        if (cols % block != 0 || (long) n * cols > x.length) {
            throw new IllegalArgumentException("quantize " + n + " tokens of " + cols + " (blocks of " + block
                    + ") from " + x.length + " floats");
        }
        this.n = n;
        this.cols = cols;
        int total = n * cols;
        if (q.length < total) {
            q = new byte[total];
            s16 = new short[total / 16];
            neg4 = new int[total / 4];
        }
        if (scales.length < total / Activations.BLOCK) {
            scales = new float[total / Activations.BLOCK];
        }
        d = scales;
        try {
            QUANTIZE.invokeExact(MemorySegment.ofArray(x), (long) total, superBlocks ? 1 : 0, MemorySegment.ofArray(q),
                    MemorySegment.ofArray(d), MemorySegment.ofArray(s16), MemorySegment.ofArray(neg4));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native quantize failed", e);
        }
    }

    /** Takes the quantized tokens of {@code a} (after {@link Activations#quantize}) as bytes and 16-sums. */
    void prepare(Activations a) {
        n = a.n();
        cols = a.cols();
        int total = n * cols;
        if (q.length < total) {
            q = new byte[total];
            s16 = new short[total / 16];
            neg4 = new int[total / 4];
        }
        short[] src = a.q;
        for (int g = 0; g < total / 4; g++) {
            int o = g * 4;
            int sum = src[o] + src[o + 1] + src[o + 2] + src[o + 3];
            q[o] = (byte) src[o];
            q[o + 1] = (byte) src[o + 1];
            q[o + 2] = (byte) src[o + 2];
            q[o + 3] = (byte) src[o + 3];
            neg4[g] = -sum;
        }
        for (int g = 0; g < total / 16; g++) {
            s16[g] = (short) -(neg4[4 * g] + neg4[4 * g + 1] + neg4[4 * g + 2] + neg4[4 * g + 3]);
        }
        d = a.d;
    }

    /** {@code out[t*rows + r] = W[r] · x[t]} for rows [r0, r1) and the tokens {@link #prepare}d. */
    void rows(WeightMatrix w, float[] out, int r0, int r1) {
        if (r0 < 0 || r1 > w.rows() || r0 > r1 || w.cols() != cols || (long) n * w.rows() > out.length) {
            throw new IllegalArgumentException("rows " + r0 + ".." + r1 + " of " + w.rows() + "x" + w.cols()
                    + " for " + n + " tokens of " + cols + ", out of " + out.length);
        }
        MethodHandle h = handle(w.type());
        try {
            h.invokeExact(w.data(), w.type().byteSize(w.cols()), r0, r1, cols, n, MemorySegment.ofArray(q),
                    MemorySegment.ofArray(d), MemorySegment.ofArray(s16), MemorySegment.ofArray(neg4), MemorySegment.ofArray(out), w.rows());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native " + w.type() + " kernel failed", e);
        }
    }
}
