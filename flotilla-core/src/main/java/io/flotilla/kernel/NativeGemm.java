package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The many-token product in native code ({@code gemm.c} of {@code libflotilla_kernels.so}) on Intel
 * AMX: {@code out[t*rows + r] = W[r] · x[t]} for Q4_0, Q8_0, Q4_K and Q6_K weights read in place from
 * {@link WeightMatrix#data()}, with the activations quantized to 8 bits once per product (Q8_0 blocks,
 * Q8_K for K-quants, as {@link Activations}). Each block of 32 weights × 16 tokens × 16 rows is one
 * AMX integer product (exact); the block scales are applied in float, per block.
 *
 * <p>Used by {@link Compute#matMul} from {@link #MIN_TOKENS} tokens when the library loaded, the CPU
 * has AMX-INT8 (and the kernel grants its state) and {@code -Dflotilla.nativeGemm=false} is not set;
 * otherwise the Java {@link Gemm} serves. Like {@link Gemm}, a token's results differ within float
 * rounding from those it gets alone (the one-token kernels sum in another order): not batch-invariant.
 */
final class NativeGemm {
    /**
     * Tokens from which Compute takes this path ({@code flotilla.nativeGemmTokens} to compare), every
     * type alike. With the small-batch kernel (tokens as the AMX A rows) 2 and 3 tokens beat the
     * one-token kernel too (1.05-1.9x), but they stay with it: 2 or 3 sequences' logits rows would
     * then no longer equal each sequence's alone (BatchForwardTest, NativeMatVecTest compare bits).
     * NativeGemmBench, docs/performance.md "Session 6: native GEMM", "small batches".
     */
    static final int MIN_TOKENS = Integer.getInteger("flotilla.nativeGemmTokens", 4);
    private static final int GROUP = 16;
    private static final MethodHandle PREPARE;
    private static final MethodHandle ROWS;
    private static final MethodHandle SCRATCH;
    /** Whether the native GEMM serves on this machine. */
    static final boolean AVAILABLE;

    static {
        MethodHandle prepare = null;
        MethodHandle rows = null;
        MethodHandle scratch = null;
        boolean ok = false;
        if (!"false".equals(System.getProperty("flotilla.nativeGemm")) && NativeKernels.available()) {
            MethodHandle available = NativeKernels.downcall("flotilla_gemm_available",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT), false);
            try {
                ok = (int) available.invokeExact() == 1;
            } catch (Throwable e) {
                throw new IllegalStateException("flotilla_gemm_available failed", e);
            }
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            ValueLayout a = ValueLayout.ADDRESS;
            prepare = NativeKernels.downcall("flotilla_gemm_prepare",
                    FunctionDescriptor.ofVoid(a, i, i, i, a, a, a), true);
            rows = NativeKernels.downcall("flotilla_gemm_rows",
                    FunctionDescriptor.of(i, i, a, l, i, i, i, i, a, a, a, a, i, a), true);
            scratch = NativeKernels.downcall("flotilla_gemm_scratch_bytes", FunctionDescriptor.of(l, i, i), false);
        }
        PREPARE = prepare;
        ROWS = rows;
        SCRATCH = scratch;
        AVAILABLE = ok;
    }

    private NativeGemm() {
    }

    /** Whether a product of {@code n} tokens with {@code w} runs here. */
    static boolean use(WeightMatrix w, int n) {
        return AVAILABLE && n >= MIN_TOKENS && supports(w);
    }

    /** Whether {@code w}'s type and layout have a native kernel (in GGUF order: not repacked). */
    static boolean supports(WeightMatrix w) {
        GgmlType t = w.type();
        return !w.packed() && (t == GgmlType.Q4_0 || t == GgmlType.Q8_0 || t == GgmlType.Q4_K || t == GgmlType.Q6_K);
    }

    /** The activations of one product, quantized on the caller ({@link #prepare}); grows, never shrinks. */
    static final class Prepared {
        private byte[] q = new byte[0];
        private float[] d = new float[0];
        private float[] s = new float[0];
        private int n;
        private int cols;

        /** Quantizes {@code n} tokens of {@code cols} floats: Q8_K blocks when {@code superBlocks}, else Q8_0. */
        void prepare(float[] x, int n, int cols, boolean superBlocks) {
            int block = superBlocks ? Activations.SUPER_BLOCK : Activations.BLOCK;
            if (cols % block != 0 || (long) n * cols > x.length) {
                throw new IllegalArgumentException("native GEMM needs cols % " + block + " == 0 and n*cols <= "
                        + x.length + ", got n " + n + ", cols " + cols);
            }
            int slots = (n + GROUP - 1) / GROUP * GROUP * cols;
            if (q.length < slots) {
                q = new byte[slots];
                d = new float[slots / Activations.BLOCK];
                s = new float[slots / Activations.BLOCK];
            }
            this.n = n;
            this.cols = cols;
            try {
                PREPARE.invokeExact(MemorySegment.ofArray(x), n, cols, superBlocks ? 1 : 0,
                        MemorySegment.ofArray(q), MemorySegment.ofArray(d), MemorySegment.ofArray(s));
            } catch (Throwable e) {
                throw rethrow("flotilla_gemm_prepare", e);
            }
        }

        int n() {
            return n;
        }
    }

    /**
     * One thread's scratch (decoded weights of 16 rows, their scales, the accumulators of every group of
     * 16 tokens); grows to the largest product seen.
     */
    static final class Scratch {
        private byte[] bytes = new byte[0];
        private int cols = -1;
        private int n = -1;

        MemorySegment of(int cols, int n) {
            if (cols != this.cols || n != this.n) {
                long need;
                try {
                    need = (long) SCRATCH.invokeExact(cols, n);
                } catch (Throwable e) {
                    throw rethrow("flotilla_gemm_scratch_bytes", e);
                }
                if (bytes.length < need) {
                    bytes = new byte[Math.toIntExact(need)];
                }
                this.cols = cols;
                this.n = n;
            }
            return MemorySegment.ofArray(bytes);
        }
    }

    /** {@code out[t*rows + r] = W[r] · x[t]} for rows [r0, r1) and the prepared tokens. */
    static void rows(WeightMatrix w, Prepared a, float[] out, int r0, int r1, Scratch scratch) {
        if (a.cols != w.cols() || r0 < 0 || r1 > w.rows() || r0 > r1 || (long) a.n * w.rows() > out.length) {
            throw new IllegalArgumentException("native GEMM: rows [" + r0 + ", " + r1 + ") of " + w.rows() + "x"
                    + w.cols() + ", prepared cols " + a.cols + ", n " + a.n + ", out " + out.length);
        }
        int result;
        try {
            result = (int) ROWS.invokeExact(w.type().id(), w.data(), w.type().byteSize(w.cols()), r0, r1,
                    w.cols(), a.n, MemorySegment.ofArray(a.q), MemorySegment.ofArray(a.d), MemorySegment.ofArray(a.s),
                    MemorySegment.ofArray(out), w.rows(), scratch.of(w.cols(), a.n));
        } catch (Throwable e) {
            throw rethrow("flotilla_gemm_rows", e);
        }
        if (result != 0) {
            throw new UnsupportedOperationException("native GEMM has no kernel for " + w.type());
        }
    }

    private static RuntimeException rethrow(String function, Throwable e) {
        if (e instanceof RuntimeException re) {
            return re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(function + " failed", e);
    }
}
