package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Compute}'s products of two or three matrices that read the same activations (q/k/v, gate/up):
 * one parallel region where the native one-token kernels serve them all, separate products otherwise,
 * and the same bits as separate {@link Compute#matMul} calls either way, whatever the thread count.
 */
class ComputeFusedTest {
    private static final int COLS = 256;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void threeMatricesGiveTheBitsOfThreeProducts(int threads) {
        Random r = new Random(11);
        // rows that are no multiple of the chunks, so chunks meet the boundaries between the matrices
        check(threads, 1, r, mat(GgmlType.Q4_0, 333, r), mat(GgmlType.Q4_0, 70, r), mat(GgmlType.Q8_0, 45, r));
        check(threads, 1, r, mat(GgmlType.Q4_K, 129, r), mat(GgmlType.Q6_K, 17, r), mat(GgmlType.Q4_K, 64, r));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void mixedOrUnservedTypesFallBackToSeparateProducts(int threads) {
        Random r = new Random(12);
        // Q8_0 activations for one, Q8_K for the other; an F32 matrix has no native kernel
        check(threads, 1, r, mat(GgmlType.Q4_0, 100, r), mat(GgmlType.Q4_K, 60, r));
        check(threads, 1, r, mat(GgmlType.Q8_0, 100, r), mat(GgmlType.F32, 60, r), mat(GgmlType.Q4_0, 8, r));
        check(threads, 5, r, mat(GgmlType.Q4_0, 96, r), mat(GgmlType.Q8_0, 40, r)); // several tokens
    }

    @Test
    void anOutputTooSmallIsNamed() {
        Random r = new Random(13);
        WeightMatrix a = mat(GgmlType.Q4_0, 64, r);
        WeightMatrix b = mat(GgmlType.Q4_0, 32, r);
        float[] x = KernelTest.randomActivations(1, COLS, r);
        try (Compute c = new Compute(2)) {
            assertThatThrownBy(() -> c.matMul(x, 1, a, new float[64], b, new float[31]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out 2 has 31 floats");
            float[] ok = new float[64];
            float[] expected = new float[64];
            c.matMul(x, 1, a, ok, b, new float[32]); // the context is usable after the error
            c.matMul(a, x, 1, expected);
            assertThat(ok).isEqualTo(expected);
        }
    }

    private static WeightMatrix mat(GgmlType type, int rows, Random r) {
        return KernelTest.randomMatrix(type, rows, COLS, r);
    }

    private static void check(int threads, int n, Random r, WeightMatrix... ws) {
        float[] x = KernelTest.randomActivations(n, COLS, r);
        float[][] fused = new float[ws.length][];
        float[][] apart = new float[ws.length][];
        try (Compute c = new Compute(threads)) {
            for (int i = 0; i < ws.length; i++) {
                fused[i] = new float[n * ws[i].rows()];
                apart[i] = new float[n * ws[i].rows()];
                c.matMul(ws[i], x, n, apart[i]);
            }
            for (int round = 0; round < 3; round++) { // reused task state must not leak between calls
                if (ws.length == 2) {
                    c.matMul(x, n, ws[0], fused[0], ws[1], fused[1]);
                } else {
                    c.matMul(x, n, ws[0], fused[0], ws[1], fused[1], ws[2], fused[2]);
                }
                for (int i = 0; i < ws.length; i++) {
                    assertThat(fused[i]).as("matrix %d (%s), %d threads", i, ws[i].type(), threads).isEqualTo(apart[i]);
                }
                c.matMul(ws[0], x, n, apart[0]); // a single product in between
            }
        }
    }
}
