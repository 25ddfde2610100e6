package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The float GEMM: every panel dequantizer gives {@link WeightMatrix#dequantizeRow}'s values exactly,
 * and the product matches a double-precision scalar twin within float rounding.
 */
class GemmTest {
    private static final int ROWS = 2 * Gemm.ROWS + 7; // whole panels, a part, and a part of a row quad

    private static int cols(GgmlType type) {
        return type.blockSize() == 256 ? 768 : 1184; // passes of Gemm.COLUMNS (512) and a shorter last one
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void panelEqualsScalarDequantization(GgmlType type) {
        assumeThat(Gemm.USABLE).as("the GEMM needs 16 float lanes").isTrue();
        DotKernel k = Kernels.of(type);
        assertThat(k.panels()).isTrue();
        Random r = new Random(3 + type.ordinal());
        int cols = cols(type);
        WeightMatrix w = KernelTest.randomMatrix(type, 9, cols, r);
        assertPanels(k, w, type.blockSize());
    }

    /** Every column range of whole {@code step}s on rows [2, 9) equals the scalar rows, bit for bit. */
    static void assertPanels(DotKernel k, WeightMatrix w, int step) {
        int cols = w.cols();
        float[] rows = new float[w.rows() * cols];
        for (int row = 0; row < w.rows(); row++) {
            w.dequantizeRow(row, rows, row * cols);
        }
        for (int c0 = 0; c0 < cols; c0 += step) {
            for (int c1 : new int[] {c0 + step, cols}) {
                int stride = c1 - c0 + 16;
                float[] panel = new float[7 * stride];
                Arrays.fill(panel, Float.NaN);
                k.dequantize(w, 2, 9, c0, c1, panel, stride);
                for (int row = 2; row < 9; row++) {
                    assertThat(Arrays.copyOfRange(panel, (row - 2) * stride, (row - 2) * stride + c1 - c0))
                            .as(w.type() + " row " + row + " columns " + c0 + ".." + c1)
                            .containsExactly(Arrays.copyOfRange(rows, row * cols + c0, row * cols + c1));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_1", "Q5_0", "Q5_1", "Q5_K"})
    void otherTypesDequantizeWholeRows(GgmlType type) {
        DotKernel k = Kernels.of(type);
        assertThat(k.panels()).isFalse();
        WeightMatrix w = KernelTest.randomMatrix(type, 9, cols(type), new Random(4));
        assertPanels(k, w, w.cols());
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void productMatchesDoubleTwin(GgmlType type) {
        assumeThat(Gemm.USABLE).as("the GEMM needs 16 float lanes").isTrue();
        Random r = new Random(9 + type.ordinal());
        int cols = cols(type);
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        for (int n : new int[] {1, 3, 4, 13}) {
            float[] x = KernelTest.randomActivations(n, cols, r);
            float[] out = new float[n * ROWS];
            Arrays.fill(out, Float.NaN);
            Gemm.Scratch s = new Gemm.Scratch();
            Gemm.rows(Kernels.of(type), w, x, n, out, 0, Gemm.ROWS + 5, s); // two ranges, as two threads take them
            Gemm.rows(Kernels.of(type), w, x, n, out, Gemm.ROWS + 5, ROWS, s);
            assertTwin(w, x, n, out, type + " n=" + n);
        }
    }

    /** {@code out} against the double-precision products of the dequantized rows, relative to {@code Σ|w·x|}. */
    static void assertTwin(WeightMatrix w, float[] x, int n, float[] out, String what) {
        int cols = w.cols();
        float[] row = new float[cols];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double sum = 0;
                double abs = 0;
                for (int c = 0; c < cols; c++) {
                    sum += (double) row[c] * x[t * cols + c];
                    abs += Math.abs((double) row[c] * x[t * cols + c]);
                }
                assertThat((double) out[t * w.rows() + r]).as(what + " token " + t + " row " + r)
                        .isCloseTo(sum, within(1e-5 * abs + 1e-30));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K"})
    void computeUsesTheGemmFromItsThresholdUnlessBatchInvariant(GgmlType type) {
        assumeThat(Gemm.USABLE).as("the GEMM needs 16 float lanes").isTrue();
        Random r = new Random(17 + type.ordinal());
        int cols = cols(type);
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        int n = Gemm.MIN_TOKENS + 3;
        float[] x = KernelTest.randomActivations(n, cols, r);
        float[] gemm = new float[n * ROWS];
        float[] exact = new float[n * ROWS];
        try (Compute g = new Compute(2, true, false); Compute c = new Compute(2)) { // g: the Java GEMM, not NativeGemm
            g.matMul(w, x, n, gemm);
            c.batchInvariant = true;
            c.matMul(w, x, n, exact);
        }
        assertTwin(w, x, n, gemm, type + " through Compute");
        float[] single = new float[ROWS];
        try (Compute c = new Compute(1)) {
            for (int t = 0; t < n; t++) {
                c.matMul(w, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, single);
                assertThat(Arrays.copyOfRange(exact, t * ROWS, (t + 1) * ROWS)).as("batch-invariant token " + t)
                        .containsExactly(single);
            }
        }
    }
}
