package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * Picks the kernel of a weight type and runs it over a range of rows: each row is read once for
 * all tokens, four tokens at a time ({@link DotKernel#dot4}) and then one at a time. Products of
 * many tokens go through the float {@link Gemm} instead, or, batch-invariant, through {@link Tiles}
 * for some formats (see {@link Compute}). The vector
 * kernels are used where the CPU has at least 256-bit lanes ({@link Lanes#USABLE}); elsewhere the
 * scalar twins.
 */
final class Kernels {
    static final boolean VECTOR = Lanes.USABLE;

    private static final DotKernel F32 = new FloatKernels.F32();
    private static final DotKernel F16 = new FloatKernels.F16();
    private static final DotKernel BF16 = new FloatKernels.Bf16();
    private static final DotKernel Q8_0 = new Q8_0Kernel();
    private static final DotKernel Q4_0 = new Q4_0Kernel();
    private static final DotKernel Q4_1 = new Q4_1Kernel();
    private static final DotKernel Q5_0 = new Q5_0Kernel();
    private static final DotKernel Q5_1 = new Q5_1Kernel();
    private static final DotKernel Q4_K = new Q4_KKernel();
    private static final DotKernel Q5_K = new Q5_KKernel();
    private static final DotKernel Q6_K = new Q6_KKernel();
    private static final DotKernel Q4_0_PACKED = new Q4_0PackedKernel();
    private static final DotKernel Q8_0_PACKED = new Q8_0PackedKernel();

    private Kernels() {
    }

    /** The kernel of {@code w}'s type and layout ({@link WeightMatrix#packed}). */
    static DotKernel of(WeightMatrix w) {
        if (w.packed()) {
            return switch (w.type()) {
                case Q4_0 -> Q4_0_PACKED;
                case Q8_0 -> Q8_0_PACKED;
                default -> throw new UnsupportedOperationException("no packed kernel for tensor type " + w.type());
            };
        }
        return of(w.type());
    }

    static DotKernel of(GgmlType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0 -> Q8_0;
            case Q4_0 -> Q4_0;
            case Q4_1 -> Q4_1;
            case Q5_0 -> Q5_0;
            case Q5_1 -> Q5_1;
            case Q4_K -> Q4_K;
            case Q5_K -> Q5_K;
            case Q6_K -> Q6_K;
            default -> throw new UnsupportedOperationException("no kernel for tensor type " + type);
        };
    }

    /** {@code out[t*rows + r] = W[r] · x[t]} for rows [r0, r1) and the tokens of {@code a} from {@code t0}. */
    static void rows(DotKernel k, WeightMatrix w, Activations a, float[] out, int r0, int r1, boolean vector,
                     float[] lanes, int t0) {
        MemorySegment data = w.data();
        long rowBytes = w.type().byteSize(w.cols());
        int rows = w.rows();
        int n = a.n();
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int t = t0;
            if (vector) {
                for (; t + 4 <= n; t += 4) {
                    k.dot4(data, row, a, t, out, t * rows + r, rows, lanes);
                }
                for (; t < n; t++) {
                    out[t * rows + r] = k.dot(data, row, a, t, lanes);
                }
            } else {
                for (; t < n; t++) {
                    out[t * rows + r] = k.dotScalar(data, row, a, t);
                }
            }
        }
    }
}
