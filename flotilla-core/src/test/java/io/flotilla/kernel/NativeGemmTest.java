package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.quant.Quantizer;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native (AMX) GEMM against the scalar twin ({@code new Compute(1, false)}: the same 8-bit
 * activations, one token at a time). Both multiply the same 8-bit integers in blocks whose sums are
 * exact, and scale each block in float: they differ only in the order of the float additions, so the
 * bound is float rounding over the row's terms, {@code 1e-5 · Σ (|w| + m)·|x|} (about 80 ulps of the
 * largest partial sum), where {@code m}, the largest |w| of the weight's block of 32, stands for the
 * Q4_K min that the product adds apart ({@code d·sc·q·x} and {@code dmin·m·x} can each be far larger
 * than their difference).
 */
class NativeGemmTest {
    private static final int ROWS = 2 * 16 + 5; // two whole tiles of 16 rows and a part

    private static int[] widths(GgmlType type) {
        return type.blockSize() == 256 ? new int[] {256, 768} : new int[] {32, 1184};
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void productMatchesScalarTwin(GgmlType type) {
        assumeNative();
        Random r = new Random(11 + type.ordinal());
        try (Compute one = new Compute(1, true); Compute two = new Compute(2, true); Compute scalar = new Compute(1, false)) {
            for (int cols : widths(type)) {
                WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
                for (int n : new int[] {4, 5, 8, 15, 16, 17, 33}) {
                    float[] x = KernelTest.randomActivations(n, cols, r);
                    float[] slow = product(scalar, w, x, n);
                    float[] fast1 = product(one, w, x, n);
                    float[] fast2 = product(two, w, x, n);
                    assertThat(fast2).as("1 and 2 threads: the same rows give the same bits").containsExactly(fast1);
                    assertClose(w, x, n, fast1, slow, type + " cols=" + cols + " n=" + n);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void rowRangesWriteOnlyTheirRows(GgmlType type) {
        assumeNative();
        Random r = new Random(5);
        int cols = widths(type)[1];
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        int n = 7;
        float[] x = KernelTest.randomActivations(n, cols, r);
        NativeGemm.Prepared a = new NativeGemm.Prepared();
        a.prepare(x, n, cols, type.blockSize() == 256);
        NativeGemm.Scratch s = new NativeGemm.Scratch();
        float[] whole = new float[n * ROWS];
        NativeGemm.rows(w, a, whole, 0, ROWS, s);
        float[] parts = new float[n * ROWS];
        Arrays.fill(parts, Float.NaN);
        NativeGemm.rows(w, a, parts, 3, 20, s);
        for (int t = 0; t < n; t++) {
            for (int row = 0; row < ROWS; row++) {
                float v = parts[t * ROWS + row];
                if (row >= 3 && row < 20) {
                    assertThat(v).as("row " + row + " token " + t).isEqualTo(whole[t * ROWS + row]);
                } else {
                    assertThat(v).as("row " + row + " token " + t + " is outside [3, 20)").isNaN();
                }
            }
        }
    }

    /**
     * Small batches (1 to 16 tokens: the tokens are the AMX A rows) called directly, below Compute's
     * threshold too; K-quant rows of 33 super-blocks span whole decoding passes of 32 blocks and a part.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void everySmallBatchMatchesScalarTwin(GgmlType type) {
        assumeNative();
        Random r = new Random(29 + type.ordinal());
        int cols = type.blockSize() == 256 ? 33 * 256 : 1184;
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        NativeGemm.Scratch s = new NativeGemm.Scratch();
        try (Compute scalar = new Compute(1, false)) {
            for (int n = 1; n <= 16; n++) {
                float[] x = KernelTest.randomActivations(n, cols, r);
                NativeGemm.Prepared a = new NativeGemm.Prepared();
                a.prepare(x, n, cols, type.blockSize() == 256);
                float[] fast = new float[n * ROWS];
                Arrays.fill(fast, Float.NaN);
                NativeGemm.rows(w, a, fast, 0, ROWS, s);
                assertClose(w, x, n, fast, product(scalar, w, x, n), type + " cols=" + cols + " n=" + n);
            }
        }
    }

    /** Zero, huge and tiny weights and activations, all-zero tokens and single spikes. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void extremeBlocks(GgmlType type) {
        assumeNative();
        Random r = new Random(17);
        int cols = widths(type)[1];
        float[] f = new float[ROWS * cols];
        float[] pick = {0f, 1e3f, -1e3f, 1e-3f, -7f, 8f};
        for (int i = 0; i < f.length; i++) {
            f[i] = (i / 32) % 5 == 0 ? 0f : pick[r.nextInt(pick.length)];
        }
        WeightMatrix w = WeightMatrix.of(type, MemorySegment.ofArray(Quantizer.quantize(type, f)), ROWS, cols);
        int n = 6;
        float[] x = KernelTest.randomActivations(n, cols, r);
        Arrays.fill(x, 0, cols, 0f); // token 0: all zero
        Arrays.fill(x, cols, 2 * cols, 0f);
        x[cols + 5] = 3e4f; // token 1: one spike
        for (int i = 2 * cols; i < 3 * cols; i++) {
            x[i] = (i % 2 == 0 ? 1 : -1) * 1e-20f; // token 2: tiny, alternating
        }
        try (Compute fast = new Compute(2, true); Compute scalar = new Compute(1, false)) {
            assertClose(w, x, n, product(fast, w, x, n), product(scalar, w, x, n), type + " extreme");
        }
    }

    /** Compute takes the native path from MIN_TOKENS tokens: its results are NativeGemm's, bit for bit. */
    @Test
    void computeUsesTheNativeGemm() {
        assumeNative();
        Random r = new Random(23);
        WeightMatrix w = KernelTest.randomMatrix(GgmlType.Q4_0, ROWS, 256, r);
        int n = Math.max(NativeGemm.MIN_TOKENS, 4);
        float[] x = KernelTest.randomActivations(n, 256, r);
        NativeGemm.Prepared a = new NativeGemm.Prepared();
        a.prepare(x, n, 256, false);
        float[] direct = new float[n * ROWS];
        NativeGemm.rows(w, a, direct, 0, ROWS, new NativeGemm.Scratch());
        try (Compute c = new Compute(2, true)) {
            assertThat(product(c, w, x, n)).containsExactly(direct);
            c.batchInvariant(true);
            assertThat(product(c, w, x, n)).as("batch-invariant: the one-token kernels instead").isNotEqualTo(direct);
        }
    }

    private static void assumeNative() {
        assumeThat(NativeGemm.AVAILABLE).as("native GEMM: " + NativeKernels.describe() + ", needs AMX-INT8").isTrue();
    }

    private static float[] product(Compute c, WeightMatrix w, float[] x, int n) {
        float[] out = new float[n * w.rows()];
        Arrays.fill(out, Float.NaN);
        c.matMul(w, x, n, out);
        return out;
    }

    private static void assertClose(WeightMatrix w, float[] x, int n, float[] fast, float[] slow, String what) {
        int rows = w.rows();
        int cols = w.cols();
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double abs = 0;
                for (int b = 0; b < cols; b += 32) {
                    double m = 0;
                    for (int i = b; i < b + 32; i++) {
                        m = Math.max(m, Math.abs(row[i]));
                    }
                    for (int i = b; i < b + 32; i++) {
                        abs += (Math.abs(row[i]) + m) * Math.abs(x[t * cols + i]);
                    }
                }
                assertThat((double) fast[t * rows + r]).as(what + " row " + r + " token " + t)
                        .isCloseTo(slow[t * rows + r], Offset.offset(1e-5 * abs + 1e-30));
            }
        }
    }
}
