package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The packed one-token kernels give exactly the GGUF kernels' floats, on random data and odd scales. */
class PackedKernelTest {
    private static final int ROWS = 7;

    /** Random quants with a few scales replaced: zero, negative, subnormal, tiny and large halves. */
    private static WeightMatrix matrix(GgmlType type, int cols, Random r) {
        WeightMatrix w = KernelTest.randomMatrix(type, ROWS, cols, r);
        MemorySegment data = w.data();
        short[] odd = {0, (short) 0x8000, 0x0001, (short) 0x83FF, 0x03FF, 0x0400, 0x7BFF, (short) 0xFBFF, (short) 0xB400};
        int blocks = ROWS * cols / 32;
        for (int i = 0; i < odd.length; i++) {
            long at = (long) r.nextInt(blocks) * type.byteSize(32);
            data.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, odd[i]);
        }
        return w;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void packedDotEqualsGgufDotBitForBit(GgmlType type) {
        assumeThat(PackedKernel.USABLE).as("packed kernels need 16 float lanes").isTrue();
        Random r = new Random(17 + type.ordinal());
        for (int cols : new int[] {512, 1536, 2048}) {
            WeightMatrix w = matrix(type, cols, r);
            WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
            DotKernel gguf = Kernels.of(w);
            DotKernel packed = Kernels.of(p);
            assertThat(packed).isNotSameAs(gguf);
            int n = 3;
            Activations a = new Activations();
            a.reset(KernelTest.randomActivations(n, cols, r), n, cols);
            a.quantize(false);
            a.interleave();
            long rowBytes = type.byteSize(cols);
            float[] scratch = new float[packed.scratch(cols)];
            for (int t = 0; t < n; t++) {
                for (int row = 0; row < ROWS; row++) {
                    float expected = gguf.dot(w.data(), row * rowBytes, a, t);
                    String where = type + " cols=" + cols + " token " + t + " row " + row;
                    assertThat(packed.dot(p.data(), row * rowBytes, a, t, scratch)).as(where).isEqualTo(expected);
                    assertThat(packed.dotScalar(p.data(), row * rowBytes, a, t)).as("scalar twin, " + where)
                            .isEqualTo(gguf.dotScalar(w.data(), row * rowBytes, a, t));
                }
            }
        }
    }

    /**
     * Every stripe width, with row counts that leave a narrower last stripe and row ranges that cut
     * stripes: the rows of a stripe computed together ({@link PackedKernel#rows}) equal the GGUF
     * kernel's dot of each row, bit for bit, and the rows dequantize as the GGUF rows.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void stripesOfEveryWidthEqualTheGgufDot(GgmlType type) {
        assumeThat(PackedKernel.USABLE).as("packed kernels need 16 float lanes").isTrue();
        Random r = new Random(41 + type.ordinal());
        int cols = 1024;
        for (int rows : new int[] {1, 5, 11}) {
            WeightMatrix w = KernelTest.randomMatrix(type, rows, cols, r);
            int n = 2;
            Activations a = new Activations();
            a.reset(KernelTest.randomActivations(n, cols, r), n, cols);
            a.quantize(false);
            a.interleave();
            float[] expected = new float[n * rows];
            Kernels.rows(Kernels.of(w), w, a, expected, 0, rows, true, new float[Lanes.SCRATCH], 0);
            for (int stripe = 1; stripe <= PackedMatrix.MAX_STRIPE; stripe *= 2) {
                PackedMatrix p = PackedMatrix.pack(w, Arena.ofAuto(), stripe);
                assertThat(p.stripe()).isEqualTo(stripe);
                PackedKernel k = (PackedKernel) Kernels.of(p);
                float[] scratch = new float[k.scratch(cols)];
                for (int r0 = 0; r0 < rows; r0 += 3) { // ranges of 3 rows: most cut a stripe
                    float[] out = new float[n * rows];
                    k.rows(p, a, out, r0, Math.min(rows, r0 + 3), scratch, 0);
                    for (int t = 0; t < n; t++) {
                        for (int row = r0; row < Math.min(rows, r0 + 3); row++) {
                            assertThat(out[t * rows + row]).as(type + " stripe " + stripe + " rows " + rows + " token "
                                    + t + " row " + row).isEqualTo(expected[t * rows + row]);
                        }
                    }
                }
                float[] all = new float[n * rows];
                k.rows(p, a, all, 0, rows, scratch, 0);
                assertThat(all).as(type + " stripe " + stripe + " rows " + rows + ", all at once").containsExactly(expected);
                float[] gguf = new float[cols];
                float[] packed = new float[cols];
                for (int row = 0; row < rows; row++) {
                    w.dequantizeRow(row, gguf, 0);
                    p.dequantizeRow(row, packed, 0);
                    assertThat(packed).as(type + " stripe " + stripe + " dequantized row " + row).containsExactly(gguf);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void matMulOfPackedMatrixEqualsGgufMatrix(GgmlType type) {
        Random r = new Random(23 + type.ordinal());
        int cols = 1024;
        // 50 rows: chunks of 16 rows for the two threads, the last stripe of 4 two rows wide
        for (WeightMatrix w : new WeightMatrix[] {matrix(type, cols, r), KernelTest.randomMatrix(type, 50, cols, r)}) {
            WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
            // the Java kernels on both sides: packed matrices exist only when the native kernels are off
            try (Compute c = new Compute(2, Kernels.VECTOR, false)) {
                for (int n : new int[] {1, 2, 5, 17}) {
                    float[] x = KernelTest.randomActivations(n, cols, r);
                    float[] expected = new float[n * w.rows()];
                    float[] actual = new float[n * w.rows()];
                    c.matMul(w, x, n, expected);
                    c.matMul(p, x, n, actual);
                    assertThat(actual).as(type + " rows=" + w.rows() + " n=" + n).containsExactly(expected);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void tilesOnPackedKernelEqualTheOneTokenDot(GgmlType type) {
        assumeThat(PackedKernel.USABLE && Tiles.USABLE).as("packed kernels and tiles need 16 float lanes").isTrue();
        Random r = new Random(31 + type.ordinal());
        int cols = 1536; // 48 blocks: three groups of 16, six column passes of 8
        int rows = Tiles.ROWS + 3;
        WeightMatrix p = PackedMatrix.pack(KernelTest.randomMatrix(type, rows, cols, r), Arena.ofAuto());
        DotKernel k = Kernels.of(p);
        long rowBytes = type.byteSize(cols);
        int n = Tiles.TOKENS + 3;
        Activations a = new Activations();
        a.reset(KernelTest.randomActivations(n, cols, r), n, cols);
        a.quantize(false);
        a.interleave();
        a.tile();
        float[] out = new float[n * rows];
        int done = Tiles.rows(k, p, a, out, 0, rows, new Tiles.Scratch());
        assertThat(done).isGreaterThanOrEqualTo(Tiles.TOKENS);
        float[] scratch = new float[k.scratch(cols)];
        for (int t = 0; t < done; t++) {
            for (int row = 0; row < rows; row++) {
                assertThat(out[t * rows + row]).as(type + " token " + t + " row " + row)
                        .isEqualTo(k.dot(p.data(), row * rowBytes, a, t, scratch));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void packedRowsDequantizeAsTheGgufRows(GgmlType type) {
        Random r = new Random(29 + type.ordinal());
        WeightMatrix w = matrix(type, 512, r);
        WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
        assertThat(p.packed()).isTrue();
        assertThat(p.type()).isEqualTo(type);
        float[] expected = new float[512];
        float[] actual = new float[512];
        for (int row = 0; row < ROWS; row++) {
            w.dequantizeRow(row, expected, 0);
            p.dequantizeRow(row, actual, 0);
            assertThat(actual).as(type + " row " + row).containsExactly(expected);
        }
    }
}
