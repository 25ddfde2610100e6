package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flotilla.train.model.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientCompressorTest {

    private static float[] gradient(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(5) - 4));
        }
        return g;
    }

    @Test
    void bf16KeepsEightBitsOfPrecisionAtHalfTheBytes() {
        float[] g = gradient(1, 1000);
        float[] residual = new float[g.length];
        Bf16Compressor c = new Bf16Compressor();
        CompressedGradient p = c.compress(g, residual);
        float[] back = new float[g.length];
        c.decompress(p, back);
        for (int i = 0; i < g.length; i++) {
            assertThat(Math.abs(back[i] - g[i])).isLessThanOrEqualTo(Math.abs(g[i]) * 0x1p-8f);
            assertThat(residual[i]).isEqualTo(g[i] - back[i]);
        }
        assertThat(p.payloadBytes()).isEqualTo(2000);
        assertThat(p.ratioToDense()).isEqualTo(0.5);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Bf16Compressor.fromBf16(Bf16Compressor.toBf16(1.0f))).isEqualTo(1.0f);
        // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one, 1
        assertThat(Bf16Compressor.fromBf16(Bf16Compressor.toBf16(1f + 0x1p-8f))).isEqualTo(1.0f);
        assertThat(Bf16Compressor.fromBf16(Bf16Compressor.toBf16(1f + 0x1p-8f + 0x1p-20f))).isEqualTo(1f + 0x1p-7f);
        assertThat(Float.isNaN(Bf16Compressor.fromBf16(Bf16Compressor.toBf16(Float.NaN)))).isTrue();
    }

    @Test
    void int8BlocksErrIsAtMostHalfAStepOfTheirBlock() {
        float[] g = gradient(2, 1000);
        float[] residual = new float[g.length];
        Int8BlockCompressor c = new Int8BlockCompressor(64);
        CompressedGradient.Int8Blocks p = c.compress(g, residual);
        float[] back = new float[g.length];
        c.decompress(p, back);
        for (int i = 0; i < g.length; i++) {
            float step = p.scales()[i / 64];
            assertThat(Math.abs(back[i] - g[i])).isLessThanOrEqualTo(step * 0.5f + 1e-12f);
            assertThat(residual[i]).isCloseTo(g[i] - back[i], within(1e-9f));
        }
        assertThat(p.scales()).hasSize(16);
        assertThat(p.payloadBytes()).isEqualTo(1000 + 16 * 4);
        assertThat(p.ratioToDense()).isCloseTo(0.266, within(0.001));
    }

    @Test
    void topKSendsTheLargestEntriesWithTheirIndices() {
        float[] g = {0.1f, -5f, 0.2f, 3f, -0.05f, 0f, 4f, 0.3f, -0.2f, 1f};
        float[] residual = new float[g.length];
        TopKCompressor c = new TopKCompressor(0.3);
        CompressedGradient.TopK p = c.compress(g, residual);
        assertThat(p.indices()).containsExactly(1, 3, 6);
        assertThat(p.values()).containsExactly(-5f, 3f, 4f);
        assertThat(p.payloadBytes()).isEqualTo(3 * 8);
        assertThat(p.ratioToDense()).isCloseTo(0.6, within(1e-9));
        assertThat(residual).containsExactly(0.1f, 0f, 0.2f, 0f, -0.05f, 0f, 0f, 0.3f, -0.2f, 1f);
    }

    @Test
    void topKErrorFeedbackEventuallySendsWhatWasHeldBack() {
        TopKCompressor c = new TopKCompressor(0.1);
        Rng rng = new Rng(3);
        float[] g = new float[200];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) rng.nextGaussian();
        }
        float[] residual = new float[g.length];
        float[] sent = new float[g.length];
        float[] scratch = new float[g.length];
        int steps = 50;
        for (int s = 0; s < steps; s++) {
            c.accumulate(c.compress(g, residual), sent, scratch);
        }
        // everything fed in is either sent or still held: sent + residual = steps * g
        for (int i = 0; i < g.length; i++) {
            assertThat((double) sent[i] + residual[i]).isCloseTo(steps * (double) g[i],
                    within(1e-4 * (1 + Math.abs(steps * g[i]))));
        }
        // and small entries do get sent once they have accumulated
        long everSent = java.util.stream.IntStream.range(0, g.length).filter(i -> sent[i] != 0f).count();
        assertThat(everSent).isGreaterThan(g.length / 2);
    }

    @Test
    void errorFeedbackAccumulatesForEveryCompressor() {
        for (GradientCompressor c : List.of(new Bf16Compressor(), new Int8BlockCompressor(32),
                new TopKCompressor(0.05))) {
            float[] g = gradient(4, 300);
            float[] residual = new float[g.length];
            float[] sent = new float[g.length];
            float[] scratch = new float[g.length];
            for (int s = 0; s < 20; s++) {
                c.accumulate(c.compress(g, residual), sent, scratch);
            }
            double worst = 0;
            for (int i = 0; i < g.length; i++) {
                worst = Math.max(worst, Math.abs(sent[i] + residual[i] - 20.0 * g[i]) / (1 + Math.abs(20.0 * g[i])));
            }
            assertThat(worst).as(c.getClass().getSimpleName()).isLessThan(1e-4);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new TopKCompressor(0)).hasMessageContaining("0.0");
        assertThatThrownBy(() -> new Int8BlockCompressor(0)).hasMessageContaining("0");
        assertThatThrownBy(() -> new Bf16Compressor().compress(new float[3], new float[2]))
                .hasMessageContaining("3").hasMessageContaining("2");
        assertThat(new TopKCompressor(0.01).k(10)).isEqualTo(1);
    }
}
