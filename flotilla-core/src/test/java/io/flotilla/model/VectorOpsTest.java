package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorized exponentials of SwiGLU and softmax against the scalar formulas with {@code Math.exp}. */
class VectorOpsTest {

    @Test
    void swiGluMatchesTheScalarFormulaAtEveryLengthAroundTheLanes() {
        Random r = new Random(3);
        for (int len : new int[] {1, 7, 16, 17, 33, 100, 8192}) {
            float[] gate = new float[len];
            float[] up = new float[len];
            for (int i = 0; i < len; i++) {
                gate[i] = (float) r.nextGaussian() * 6;
                up[i] = (float) r.nextGaussian();
            }
            float[] out = gate.clone();
            VectorOps.swiGlu(out, up, len);
            for (int i = 0; i < len; i++) {
                float expected = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
                assertThat(out[i]).as("len %d, i %d", len, i).isCloseTo(expected, within(2e-6f * Math.abs(expected) + 1e-30f));
            }
        }
    }

    @Test
    void swiGluOfExtremeGatesStaysFinite() {
        float[] gate = {-1000f, -88f, 0f, 88f, 1000f, -1000f, -88f, 0f, 88f, 1000f, -1000f, -88f, 0f, 88f, 1000f, 1f, 2f};
        float[] up = new float[gate.length];
        java.util.Arrays.fill(up, 1f);
        float[] out = gate.clone();
        VectorOps.swiGlu(out, up, gate.length);
        assertThat(out[0]).isEqualTo(-0f);
        assertThat(out[2]).isZero();
        assertThat(out[4]).isEqualTo(1000f);
        for (float v : out) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    @Test
    void softmaxMatchesTheScalarFormulaAndSumsToOne() {
        Random r = new Random(4);
        for (int len : new int[] {1, 5, 16, 31, 150, 513}) {
            float[] x = new float[len + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian() * 8;
            }
            float[] out = x.clone();
            VectorOps.softmax(out, 3, len);
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) {
                max = Math.max(max, x[3 + i]);
            }
            double sum = 0;
            for (int i = 0; i < len; i++) {
                sum += (float) Math.exp(x[3 + i] - max);
            }
            double total = 0;
            for (int i = 0; i < len; i++) {
                float expected = (float) ((float) Math.exp(x[3 + i] - max) * (float) (1.0 / sum));
                assertThat(out[3 + i]).as("len %d, i %d", len, i).isCloseTo(expected, within(3e-6f * expected + 1e-30f));
                total += out[3 + i];
            }
            assertThat(total).isCloseTo(1.0, within(1e-5));
            assertThat(out[0]).isEqualTo(x[0]); // outside the range: untouched
        }
    }
}
