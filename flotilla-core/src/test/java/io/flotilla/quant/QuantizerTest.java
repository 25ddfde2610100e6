package io.flotilla.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizerTest {
    /** Relative RMS error of quantize→dequantize on Gaussian data, against a bound per format. */
    @ParameterizedTest
    @CsvSource({"F32, 0", "F16, 0.001", "BF16, 0.005", "Q8_0, 0.01", "Q6_K, 0.02", "Q5_0, 0.05", "Q5_1, 0.05",
        "Q5_K, 0.04", "Q4_0, 0.1", "Q4_1, 0.1", "Q4_K, 0.08"})
    void roundTripErrorIsWithinTheFormatsBound(GgmlType type, double bound) {
        Random r = new Random(42);
        int rows = 4;
        int cols = 512;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 0.05);
        }
        byte[] q = Quantizer.quantize(type, x);
        assertThat(q).hasSize((int) type.byteSize(x.length));
        WeightMatrix w = WeightMatrix.of(type, MemorySegment.ofArray(q), rows, cols);
        float[] back = new float[x.length];
        for (int row = 0; row < rows; row++) {
            w.dequantizeRow(row, back, row * cols);
        }
        double err = 0;
        double ref = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - back[i]) * (double) (x[i] - back[i]);
            ref += x[i] * (double) x[i];
        }
        assertThat(Math.sqrt(err / ref)).as("%s relative RMS error", type).isLessThanOrEqualTo(bound);
    }

    @Test
    void handCheckedQ4_0Block() {
        // max |x| is -8 (negative), so d = -8 / -8 = 1 and q = round(x / d) + 8, clamped to 15
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = i < 16 ? i - 8 : 7;
        }
        x[0] = -8;
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertThat(q[0]).isEqualTo((byte) 0x00); // f16 1.0 = 0x3C00, little-endian
        assertThat(q[1]).isEqualTo((byte) 0x3C);
        for (int j = 0; j < 16; j++) {
            assertThat(q[2 + j] & 0xFF).as("byte %d", j).isEqualTo(j | 15 << 4);
        }
    }

    @Test
    void handCheckedQ8_0Block() {
        float[] x = new float[32];
        x[0] = 127;
        x[1] = -0.5f; // roundf: half away from zero
        x[2] = 2.5f;
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        assertThat(Float.float16ToFloat((short) ((q[0] & 0xFF) | q[1] << 8))).isEqualTo(1.0f);
        assertThat(new byte[] {q[2], q[3], q[4], q[5]}).containsExactly(127, -1, 3, 0);
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNan() {
        assertThat(Quantizer.toBf16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, up to even
        assertThat(Quantizer.toBf16(Float.NaN) & 0x7FC0).isEqualTo(0x7FC0);
    }

    @Test
    void rejectsPartialBlocksAndUnsupportedTypes() {
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q4_K, new float[255]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256").hasMessageContaining("255");
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.IQ2_XS, new float[256]))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IQ2_XS");
    }
}
