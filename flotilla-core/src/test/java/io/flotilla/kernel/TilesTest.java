package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The many-token tiles give every token exactly what the one-token {@code dot} gives it, bit for bit. */
class TilesTest {
    private static final int ROWS = Tiles.ROWS + 3; // a full tile of rows and a part
    private static final int MAX_N = 2 * Tiles.TOKENS - 5; // a full token group and a part

    private static int cols(GgmlType type) {
        return type.blockSize() == 256 ? 768 : 352; // 24 or 11 blocks: column passes of 8 and (32-blocks) a part
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K"})
    void everyTiledTokenEqualsDot(GgmlType type) {
        assumeThat(Tiles.USABLE).as("tiles need 16 float lanes").isTrue();
        DotKernel k = Kernels.of(type);
        Random r = new Random(5 + type.ordinal());
        int cols = cols(type);
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        long rowBytes = type.byteSize(cols);
        for (int n : new int[] {2, 7, Tiles.TOKENS, MAX_N}) {
            Activations a = new Activations();
            a.reset(KernelTest.randomActivations(n, cols, r), n, cols);
            a.quantize(type.blockSize() == Activations.SUPER_BLOCK);
            a.tile();
            float[] out = new float[n * ROWS];
            int done = Tiles.rows(k, w, a, out, 0, ROWS, new Tiles.Scratch());
            assertThat(done).as("tokens tiled of " + n).isLessThanOrEqualTo(n);
            for (int t = 0; t < done; t++) {
                for (int row = 0; row < ROWS; row++) {
                    assertThat(out[t * ROWS + row]).as(type + " n=" + n + " token " + t + " row " + row)
                            .isEqualTo(k.dot(w.data(), row * rowBytes, a, t));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K"})
    void matMulOfManyTokensEqualsOneTokenAtATime(GgmlType type) {
        Random r = new Random(11 + type.ordinal());
        int cols = cols(type);
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        float[] x = KernelTest.randomActivations(MAX_N, cols, r);
        float[] single = new float[MAX_N * ROWS];
        try (Compute c = new Compute(2)) {
            c.batchInvariant = true; // the tiles and dot4, not the float GEMM
            for (int t = 0; t < MAX_N; t++) {
                float[] one = new float[ROWS];
                c.matMul(w, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one);
                System.arraycopy(one, 0, single, t * ROWS, ROWS);
            }
            for (int n : new int[] {3, 8, Tiles.TOKENS, Tiles.TOKENS + 1, MAX_N}) {
                float[] many = new float[n * ROWS];
                c.matMul(w, x, n, many);
                assertThat(many).as(type + ", " + n + " tokens").containsExactly(Arrays.copyOf(single, n * ROWS));
            }
        }
    }
}
