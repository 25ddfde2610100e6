package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GEMM's panel dequantizer on the packed layout ({@link DotKernel#dequantize} of the packed
 * kernels) gives the GGUF rows' values exactly, and the GEMM on packed rows equals it on GGUF rows.
 */
class PackedPanelTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void packedPanelEqualsGgufRows(GgmlType type) {
        assumeThat(Gemm.USABLE && PackedKernel.USABLE).as("needs 16 float lanes").isTrue();
        WeightMatrix w = KernelTest.randomMatrix(type, 9, 1024, new Random(21 + type.ordinal()));
        WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
        DotKernel k = Kernels.of(p);
        assertThat(k.panels()).isTrue();
        GemmTest.assertPanels(k, p, 64);
        float[] gguf = new float[1024];
        float[] packed = new float[7 * 1024];
        k.dequantize(p, 2, 9, 0, 1024, packed, 1024);
        for (int row = 2; row < 9; row++) {
            w.dequantizeRow(row, gguf, 0);
            assertThat(Arrays.copyOfRange(packed, (row - 2) * 1024, (row - 1) * 1024)).as(type + " row " + row)
                    .containsExactly(gguf);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void gemmOnPackedRowsEqualsGemmOnGgufRows(GgmlType type) {
        assumeThat(Gemm.USABLE && PackedKernel.USABLE).as("needs 16 float lanes").isTrue();
        Random r = new Random(23 + type.ordinal());
        int rows = 37;
        WeightMatrix w = KernelTest.randomMatrix(type, rows, 1024, r);
        WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
        int n = 9;
        float[] x = KernelTest.randomActivations(n, 1024, r);
        float[] a = new float[n * rows];
        float[] b = new float[n * rows];
        Gemm.rows(Kernels.of(w), w, x, n, a, 0, rows, new Gemm.Scratch());
        Gemm.rows(Kernels.of(p), p, x, n, b, 0, rows, new Gemm.Scratch());
        assertThat(b).containsExactly(a);
    }
}
