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

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K"})
    void tilesAreBitIdenticalToOneTokenAtATime(GgmlType type) {
        assumeThat(Tiles.USABLE).as("tiles need 16 float lanes").isTrue();
        assumeThat(Kernels.of(type).tiled()).as(type + " runs through tiles").isTrue();
        Random r = new Random(11 + type.ordinal());
        int rows = Tiles.ROWS + 3; // a full tile of rows and a part
        int cols = type.blockSize() == 256 ? 768 : 352; // 24 or 11 blocks: column passes of 8 and (Q4_0) a part
        WeightMatrix w = KernelTest.randomMatrix(type, rows, cols, r);
        int maxN = Tiles.TOKENS + 3; // a full token group and a part
        float[] x = KernelTest.randomActivations(maxN, cols, r);
        float[] single = new float[maxN * rows];
        try (Compute c = new Compute(2)) {
            for (int t = 0; t < maxN; t++) {
                float[] one = new float[rows];
                c.matMul(w, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one);
                System.arraycopy(one, 0, single, t * rows, rows);
            }
            for (int n : new int[] {2, 3, 4, 7, 8, 9, 16, 17, 19}) {
                float[] many = new float[n * rows];
                c.matMul(w, x, n, many);
                assertThat(many).as(type + ", " + n + " tokens").containsExactly(Arrays.copyOf(single, n * rows));
            }
        }
    }
}
