package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.model.Rng;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class DifferentialPrivacyTest {

    @Test
    void clippedUpdatesHaveNormAtMostTheClip() {
        DifferentialPrivacy dp = new DifferentialPrivacy(0.5, 1.1, 1e-5);
        Rng rng = new Rng(3);
        for (int t = 0; t < 20; t++) {
            float[] u = new float[1000];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) (rng.nextGaussian() * 0.05 * t);
            }
            dp.clip(u);
            double norm = 0;
            for (float v : u) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isLessThanOrEqualTo(0.5 * (1 + 1e-6));
        }
    }

    @Test
    void theNoiseOnTheMeanHasStandardDeviationZTimesClipOverClients() {
        double clip = 0.5;
        double z = 1.1;
        int clients = 8;
        DifferentialPrivacy dp = new DifferentialPrivacy(clip, z, 1e-5);
        float[] sum = new float[400_000];
        dp.noise(sum, new Rng(9));
        double ss = 0;
        for (float v : sum) {
            double mean = v / clients;
            ss += mean * mean;
        }
        assertThat(Math.sqrt(ss / sum.length)).isCloseTo(z * clip / clients, Percentage.withPercentage(1));
    }

    @Test
    void epsilonGrowsWithRoundsAndFallsWithNoise() {
        assertThat(DifferentialPrivacy.epsilon(0, 1.1, 1e-5)).isZero();
        double one = DifferentialPrivacy.epsilon(1, 1.1, 1e-5);
        double fifty = DifferentialPrivacy.epsilon(50, 1.1, 1e-5);
        assertThat(fifty).isGreaterThan(one);
        assertThat(DifferentialPrivacy.epsilon(50, 2.0, 1e-5)).isLessThan(fifty);
        // closed form of the optimum over continuous α: T/(2z²) + sqrt(2T ln(1/δ))/z, approached on the grid
        double t = 50;
        double z = 1.1;
        double closed = t / (2 * z * z) + Math.sqrt(2 * t * Math.log(1e5)) / z;
        assertThat(fifty).isCloseTo(closed, Percentage.withPercentage(2));
    }
}
