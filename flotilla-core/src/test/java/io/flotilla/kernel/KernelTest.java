package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.quant.Quantizer;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every vector kernel against its scalar twin and against the float reference, n = 1..17 tokens. */
class KernelTest {
    static final String[] TYPES = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"};

    static WeightMatrix randomMatrix(GgmlType type, int rows, int cols, Random r) {
        float[] f = new float[rows * cols];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (r.nextGaussian() * 0.1 + (i % 7 == 0 ? 0.05 : 0));
        }
        return WeightMatrix.of(type, MemorySegment.ofArray(Quantizer.quantize(type, f)), rows, cols);
    }

    static float[] randomActivations(int n, int cols, Random r) {
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (i % 11 == 0 ? 4 : 1));
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
        "Q4_K", "Q5_K", "Q6_K"})
    void vectorKernelMatchesScalarTwinAndFloatReference(GgmlType type) {
        Random r = new Random(type.ordinal());
        int[] colsChoices = type.blockSize() == 256 ? new int[] {256, 512}
                : type.blockSize() == 32 ? new int[] {32, 96} : new int[] {1, 15, 37, 100};
        try (Compute vector = new Compute(2, true); Compute scalar = new Compute(1, false)) {
            vector.batchInvariant = true; // the one-token kernels and dot4 against their twins; the GEMM: GemmTest
            for (int cols : colsChoices) {
                int rows = 5;
                WeightMatrix w = randomMatrix(type, rows, cols, r);
                // every n = 1..17 (tiles of 4 and their remainders) on the first width; a few on the others
                int[] ns = cols == colsChoices[0] ? java.util.stream.IntStream.rangeClosed(1, 17).toArray()
                        : new int[] {1, 6};
                for (int n : ns) {
                    float[] x = randomActivations(n, cols, r);
                    float[] fast = new float[n * rows];
                    float[] slow = new float[n * rows];
                    vector.matMul(w, x, n, fast);
                    scalar.matMul(w, x, n, slow);
                    check(type, w, x, n, fast, slow);
                }
            }
        }
    }

    private static void check(GgmlType type, WeightMatrix w, float[] x, int n, float[] fast, float[] slow) {
        int rows = w.rows();
        int cols = w.cols();
        float[] row = new float[cols];
        boolean quantized = Kernels.of(type).quantized();
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double abs = 0;
                double rounding = 0; // what rounding each activation to 8 bits can cost: Σ |w| · amax_block / 254
                for (int i = 0; i < cols; i++) {
                    abs += Math.abs(row[i] * x[t * cols + i]);
                }
                int qb = type.blockSize() == 256 ? 256 : 32; // K-quants pair with Q8_K activations
                for (int b = 0; quantized && b < cols / qb; b++) {
                    double amax = 0;
                    double wsum = 0;
                    for (int i = qb * b; i < qb * b + qb; i++) {
                        amax = Math.max(amax, Math.abs(x[t * cols + i]));
                        wsum += Math.abs(row[i]);
                    }
                    rounding += wsum * amax / 254;
                }
                String where = type + " cols=" + cols + " n=" + n + " row=" + r + " token=" + t;
                float fastValue = fast[t * rows + r];
                assertThat((double) fastValue).as("vector vs scalar, " + where)
                        .isCloseTo(slow[t * rows + r], org.assertj.core.data.Offset.offset(1e-5 * abs + 1e-6));
                // plus the f16 rounding of each activation scale (2^-11 relative) and float rounding;
                // BF16 rounds each activation to bfloat16 (half an 8-bit ulp: 2^-8 relative), as llama.cpp does
                double activationRounding = type == GgmlType.BF16 ? abs / 256 : abs / 2048;
                double bound = rounding * 1.01 + activationRounding + 1e-5 * abs + 1e-6;
                assertThat((double) fastValue).as("vector vs float reference, " + where)
                        .isCloseTo(w.dot(r, x, t * cols), org.assertj.core.data.Offset.offset(bound));
            }
        }
    }
}
