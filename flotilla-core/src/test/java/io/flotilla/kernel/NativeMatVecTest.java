package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native one-token kernels against the scalar twins ({@code new Compute(1, false)}), which quantize
 * the activations the same way. Every block's integer sum is exact on both sides; only the float
 * accumulation differs (the native kernels sum blocks in 8 lanes and two accumulators, the twins one
 * by one), so the results agree to float rounding of the sum of |terms|: 1e-5 of Σ|scale·block sum|
 * plus 1e-6 absolute, measured with {@link #bound}.
 */
class NativeMatVecTest {

    @Test
    void loadsOnThisMachineWhenTheBuildMadeTheLibrary() {
        assumeThat(NativeKernels.class.getClassLoader().getResource("native/skipped"))
                .as("the build skipped the native library").isNull();
        assertThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        assertThat(NativeKernels.cpuLevel()).isBetween(1, 3);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void matchesTheScalarTwinOnRandomShapes(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        randomShapes(type);
    }

    /** Every CPU variant this machine can run (AVX2, AVX-VNNI, AVX512-VNNI), not only the best one. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void everyLowerCpuVariantMatchesTheScalarTwin(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        forEachLowerLevel(() -> randomShapes(type));
    }

    private static void forEachLowerLevel(Runnable body) {
        int detected = NativeKernels.cpuLevel();
        try {
            for (int level = 1; level < detected; level++) {
                assertThat(NativeKernels.limitCpuLevel(level)).isEqualTo(level);
                body.run();
            }
        } finally {
            assertThat(NativeKernels.limitCpuLevel(detected)).isEqualTo(detected);
        }
    }

    private static void randomShapes(GgmlType type) {
        Random r = new Random(type.ordinal() * 31L);
        int block = type.blockSize();
        try (Compute nat = new Compute(2, true, true).batchInvariant(true);
             Compute scalar = new Compute(1, false)) {
            for (int[] shape : new int[][] {{1, block}, {7, 2 * block}, {33, 3 * block}, {64, 8 * block},
                {129, block * (block == 32 ? 37 : 5)}}) {
                WeightMatrix w = KernelTest.randomMatrix(type, shape[0], shape[1], r);
                for (int n : new int[] {1, 2, 3, 5}) {
                    compare(nat, scalar, w, KernelTest.randomActivations(n, shape[1], r), n);
                }
            }
        }
    }

    /**
     * Every type at level 3 takes 4 rows per pass (Q4_0, Q4_K and Q6_K: the rest as a short pass repeating
     * its last row); Q4_0 and Q8_0 take 4 blocks per group (Q4_0's last group masked), Q4_K and Q6_K one
     * super-block per step.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void matchesTheScalarTwinForEveryRowAndBlockCountAroundItsPasses(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        Random r = new Random(40);
        int block = type.blockSize();
        int maxBlocks = block == 32 ? 13 : 4;
        try (Compute nat = new Compute(1, true, true).batchInvariant(true);
             Compute scalar = new Compute(1, false)) {
            for (int rows = 1; rows <= 9; rows++) {
                for (int blocks = 1; blocks <= maxBlocks; blocks++) {
                    WeightMatrix w = KernelTest.randomMatrix(type, rows, block * blocks, r);
                    int n = 1 + (rows + blocks) % 3;
                    compare(nat, scalar, w, KernelTest.randomActivations(n, block * blocks, r), n);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void matchesTheScalarTwinOnExtremeBlocks(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        extremeBlocks(type);
        forEachLowerLevel(() -> extremeBlocks(type));
    }

    private static void extremeBlocks(GgmlType type) {
        int cols = 2 * 256;
        int rows = 5;
        long bytes = type.byteSize(cols) * rows;
        // all ones (max nibbles, max scales, +127 quants), all zero, alternating 0x00/0xFF, 0x80 (-128, nibble 8/0), random
        IntUnaryOperator[] fills = {i -> 0xFF, i -> 0, i -> (i & 1) == 0 ? 0 : 0xFF, i -> 0x80, i -> 0x7F,
            i -> (int) ((i * 2654435761L >>> 13) & 0xFF)};
        try (Compute nat = new Compute(1, true, true); Compute scalar = new Compute(1, false)) {
            for (IntUnaryOperator fill : fills) {
                byte[] raw = new byte[(int) bytes];
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = (byte) fill.applyAsInt(i);
                }
                clearNonFiniteScales(type, raw, cols, rows);
                WeightMatrix w = WeightMatrix.of(type, MemorySegment.ofArray(raw), rows, cols);
                float[] x = KernelTest.randomActivations(3, cols, new Random(7));
                x[5] = 1e4f; // one block with a large amax, so its other quants are small
                compare(nat, scalar, w, x, 3);
                java.util.Arrays.fill(x, -2.5f); // every quant at -127
                compare(nat, scalar, w, x, 3);
            }
        }
    }

    @Test
    void rowRangesWriteOnlyTheirRows() {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        Random r = new Random(5);
        WeightMatrix w = KernelTest.randomMatrix(GgmlType.Q4_0, 41, 128, r);
        float[] x = KernelTest.randomActivations(2, 128, r);
        float[] all = new float[2 * 41];
        try (Compute nat = new Compute(1, true, true)) {
            nat.matMul(w, x, 2, all);
        }
        NativeMatVec m = preparedInJava(x, 2, 128, false);
        float[] part = new float[2 * 41];
        java.util.Arrays.fill(part, Float.NaN);
        m.rows(w, part, 13, 30);
        for (int t = 0; t < 2; t++) {
            for (int row = 0; row < 41; row++) {
                if (row >= 13 && row < 30) {
                    assertThat(part[t * 41 + row]).isEqualTo(all[t * 41 + row]);
                } else {
                    assertThat(part[t * 41 + row]).isNaN();
                }
            }
        }
        assertThatThrownBy(() -> m.rows(w, part, 30, 42)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("30..42 of 41");
    }

    /**
     * A row's value does not depend on which call computed it: the kernels run several rows per pass
     * (Q4_0 folds four rows' sums into one vector), so a pass cut short by the end of a range, or a
     * range of one row, must give the same bits as the whole matrix in one call (threads split rows
     * into chunks as they go).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void aRowIsTheSameBitsWhateverRangeComputesIt(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        Random r = new Random(11);
        int rows = 23;
        int cols = 512 + 32 * (type.blockSize() == 32 ? 3 : 0); // Q4_0 / Q8_0: a tail after whole groups
        WeightMatrix w = KernelTest.randomMatrix(type, rows, cols, r);
        float[] x = KernelTest.randomActivations(3, cols, r);
        NativeMatVec m = preparedInJava(x, 3, cols, type.blockSize() == Activations.SUPER_BLOCK);
        float[] whole = new float[3 * rows];
        m.rows(w, whole, 0, rows);
        int[][] ranges = {{0, 1}, {1, 3}, {3, 6}, {6, 13}, {13, 22}, {22, 23}};
        float[] pieces = new float[3 * rows];
        for (int[] range : ranges) {
            m.rows(w, pieces, range[0], range[1]);
        }
        assertThat(pieces).containsExactly(whole);
    }

    /**
     * The native quantization gives the kernels the same bytes, scales and sums as Java's
     * {@link Activations#quantize} with {@code prepare}: the products agree bit for bit, for random
     * tokens, an all-zero block, and a block whose scaled values are exact ties (x · 127 / amax = k + 0.5,
     * rounded to even on both sides).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void nativeQuantizationGivesTheKernelsTheSameBitsAsJava(GgmlType type) {
        assumeThat(NativeKernels.available()).as(NativeKernels.describe()).isTrue();
        Random r = new Random(13);
        int cols = 512;
        int n = 3;
        WeightMatrix w = KernelTest.randomMatrix(type, 37, cols, r);
        float[] x = KernelTest.randomActivations(n, cols, r);
        java.util.Arrays.fill(x, 32, 64, 0f); // token 0, block 1: all zero
        for (int i = 0; i < 32; i++) { // token 1, block 0: amax 127, so x * 127 / amax = x: ties at k + 0.5
            x[cols + i] = i == 0 ? 127f : (i % 2 == 0 ? 1 : -1) * (i + 0.5f);
        }
        x[2 * cols + 300] = -900f; // token 2: one large negative value sets a Q8_K super-block's scale
        boolean superBlocks = type.blockSize() == Activations.SUPER_BLOCK;
        NativeMatVec java = preparedInJava(x, n, cols, superBlocks);
        NativeMatVec nat = new NativeMatVec();
        nat.quantize(x, n, cols, superBlocks);
        float[] expected = new float[n * 37];
        float[] actual = new float[n * 37];
        java.rows(w, expected, 0, 37);
        nat.rows(w, actual, 0, 37);
        assertThat(actual).containsExactly(expected);
        assertThatThrownBy(() -> nat.quantize(x, n, cols + 32 * (superBlocks ? 1 : 0) + (superBlocks ? 0 : 1), superBlocks))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quantize 3 tokens");
    }

    @Test
    void theFallbackServesWhenNativeIsOff() {
        Random r = new Random(9);
        WeightMatrix w = KernelTest.randomMatrix(GgmlType.Q4_0, 16, 64, r);
        float[] x = KernelTest.randomActivations(1, 64, r);
        float[] off = new float[16];
        try (Compute javaOnly = new Compute(1, true, false)) {
            javaOnly.matMul(w, x, 1, off);
        }
        // what the Java kernel gives, called directly (the GGUF layout: this matrix is not packed)
        Activations a = new Activations();
        a.reset(x, 1, 64);
        a.quantize(false);
        float[] java = new float[16];
        Kernels.rows(Kernels.of(w), w, a, java, 0, 16, Kernels.VECTOR, new float[Lanes.SCRATCH], 0);
        assertThat(off).containsExactly(java);
    }

    /** {@code n} tokens of {@code x} quantized by Java's {@link Activations#quantize} and taken by {@link NativeMatVec#prepare}. */
    private static NativeMatVec preparedInJava(float[] x, int n, int cols, boolean superBlocks) {
        Activations a = new Activations();
        a.reset(x, n, cols);
        a.quantize(superBlocks);
        NativeMatVec m = new NativeMatVec();
        m.prepare(a);
        return m;
    }

    private static void compare(Compute nat, Compute scalar, WeightMatrix w, float[] x, int n) {
        int rows = w.rows();
        float[] fast = new float[n * rows];
        float[] slow = new float[n * rows];
        nat.matMul(w, x, n, fast);
        scalar.matMul(w, x, n, slow);
        double[] bounds = bound(w, x, n);
        for (int i = 0; i < fast.length; i++) {
            assertThat((double) fast[i]).as("%s %dx%d token %d row %d", w.type(), rows, w.cols(), i / rows, i % rows)
                    .isCloseTo(slow[i], org.assertj.core.data.Offset.offset(bounds[i]));
        }
    }

    /** 1e-5 of Σ|w·x| (in floats, a loose stand-in for Σ|scale·block sum|) plus 1e-6 per (row, token). */
    private static double[] bound(WeightMatrix w, float[] x, int n) {
        int rows = w.rows();
        int cols = w.cols();
        float[] row = new float[cols];
        double[] out = new double[n * rows];
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double abs = 0;
                for (int i = 0; i < cols; i++) {
                    abs += Math.abs((double) row[i] * x[t * cols + i]);
                }
                out[t * rows + r] = 1e-5 * abs + 1e-6;
            }
        }
        return out;
    }

    /** Replaces f16 scales that the fill made Inf/NaN (exponent all ones) by the largest finite half. */
    private static void clearNonFiniteScales(GgmlType type, byte[] raw, int cols, int rows) {
        int blockBytes = (int) type.byteSize(type.blockSize());
        int[] halves = switch (type) {
            case Q4_0, Q8_0 -> new int[] {0};
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
        for (int b = 0; b < raw.length / blockBytes; b++) {
            for (int h : halves) {
                int o = b * blockBytes + h;
                int bits = (raw[o] & 0xFF) | (raw[o + 1] & 0xFF) << 8;
                if ((bits & 0x7C00) == 0x7C00) {
                    bits = (bits & 0x8000) | 0x7BFF; // ±65504
                    raw[o] = (byte) bits;
                    raw[o + 1] = (byte) (bits >>> 8);
                }
            }
        }
    }
}
