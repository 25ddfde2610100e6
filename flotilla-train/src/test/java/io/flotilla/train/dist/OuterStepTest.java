package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OuterStepTest {

    @Test
    void eachStepReportsNormsCosinesAndHowFarTheGlobalModelMoved() {
        OuterStep outer = new OuterStep(0.7f, 0.9f);
        float[] global = {1f, -2f};
        float[] velocity = new float[2];
        OuterStepStats first = outer.apply(0, global, velocity, new float[] {0.2f, -0.2f}, new float[] {0.1f, -0.2f});
        assertThat(first.ownNorm()).isCloseTo(Math.sqrt(0.08), within(1e-7));
        assertThat(first.meanNorm()).isCloseTo(Math.sqrt(0.05), within(1e-7));
        assertThat(first.cosOwnMean()).isCloseTo(0.06 / Math.sqrt(0.08 * 0.05), within(1e-6));
        assertThat(first.cosPrevious()).isNaN();
        assertThat(first.momentumNorm()).isCloseTo(Math.sqrt(0.05), within(1e-7));
        assertThat(first.globalChange()).isCloseTo(0.7 * 1.9 * Math.sqrt(0.05), within(1e-6)); // lr·(1 + μ)·|Δ|
        assertThat(global[0]).isCloseTo(0.867f, within(1e-6f));

        outer.commit();
        float[] g = global.clone();
        float[] v = velocity.clone();
        // a round that fails is retried from the same start: its first attempt does not become "previous"
        assertThat(outer.apply(1, g, v, new float[2], new float[] {0.1f, 0f}).cosPrevious())
                .isCloseTo(0.01 / (0.1 * Math.sqrt(0.05)), within(1e-6));
        OuterStepStats second = outer.apply(1, global, velocity, new float[2], new float[] {0.1f, 0f});
        assertThat(second.cosPrevious()).isCloseTo(0.01 / (0.1 * Math.sqrt(0.05)), within(1e-6));
        assertThat(second.cosOwnMean()).isNaN(); // a client that sat the round out
        assertThat(global).containsExactly(g);
        assertThat(velocity).containsExactly(v);
    }

    @Test
    void learningRateOneWithoutMomentumGivesTheMeanOfTheLocalModels() {
        float[] local1 = {0.25f, -1.5f, 3f};
        float[] local2 = {0.75f, -0.5f, 1f};
        float[] global = {1f, 0f, -2f};
        float[] delta = new float[3];
        for (int i = 0; i < 3; i++) {
            delta[i] = global[i] - (local1[i] + local2[i]) / 2;
        }
        OuterStep.nesterov(global, new float[3], delta, 1f, 0f);
        assertThat(global).containsExactly(0.5f, -1f, 2f); // exact here (dyadic values); in general to rounding
    }

    @Test
    void aScheduledOuterStepLetsOldMomentumAnnealWithTheInnerLearningRate() {
        float[] global = {0f};
        float[] velocity = new float[1];
        OuterStep outer = new OuterStep(0.7f, 0.9f);
        outer.apply(0, global, velocity, new float[1], new float[] {0.1f}, 0.5f);
        // d = Δ/s = 0.2; v = 0.2; θ −= 0.7·0.5·(0.2 + 0.9·0.2) = 0.133 (the first round equals the constant step)
        assertThat(velocity[0]).isCloseTo(0.2f, within(1e-7f));
        assertThat(global[0]).isCloseTo(-0.133f, within(1e-7f));
        outer.apply(1, global, velocity, new float[1], new float[] {0.05f}, 0.25f);
        // d = 0.2; v = 0.9·0.2 + 0.2 = 0.38; θ −= 0.7·0.25·(0.2 + 0.9·0.38) = 0.09485 (constant step: 0.1232)
        assertThat(velocity[0]).isCloseTo(0.38f, within(1e-7f));
        assertThat(global[0]).isCloseTo(-0.133f - 0.09485f, within(1e-6f));

        float[] constant = {1f, -2f};
        float[] scheduled = constant.clone();
        float[] decaying = constant.clone();
        float[] v1 = new float[2];
        float[] v2 = new float[2];
        float[] v3 = new float[2];
        for (int round = 0; round < 3; round++) {
            float[] delta = {0.1f / (round + 1), -0.3f * round};
            new OuterStep(0.7f, 0.9f).apply(round, constant, v1, delta, delta);
            new OuterStep(0.7f, 0.9f).apply(round, scheduled, v2, delta, delta, 1f);
            new OuterStep(0.7f, 0.9f).apply(round, decaying, v3, delta, delta, 1f, 1f);
        }
        // factor 1 (schedule or momentum): the constant step, bit for bit
        assertThat(scheduled).containsExactly(constant);
        assertThat(v2).containsExactly(v1);
        assertThat(decaying).containsExactly(constant);
        assertThat(v3).containsExactly(v1);
    }

    @Test
    void aDecayingMomentumScalesMuByTheRoundsFactorAndLeavesTheRestAsTheConstantStep() {
        OuterStep outer = new OuterStep(0.7f, 0.8f);
        float[] global = {0f};
        float[] velocity = new float[1];
        outer.apply(0, global, velocity, new float[1], new float[] {0.1f}, 1f, 0.5f);
        // μ_0 = 0.8·0.5 = 0.4; v = 0.1; θ −= 0.7·(0.1 + 0.4·0.1) = 0.098
        assertThat(velocity[0]).isCloseTo(0.1f, within(1e-7f));
        assertThat(global[0]).isCloseTo(-0.098f, within(1e-7f));
        outer.apply(1, global, velocity, new float[1], new float[] {0.2f}, 1f, 0.25f);
        // μ_1 = 0.2; v = 0.2·0.1 + 0.2 = 0.22; θ −= 0.7·(0.2 + 0.2·0.22) = 0.1708
        assertThat(velocity[0]).isCloseTo(0.22f, within(1e-7f));
        assertThat(global[0]).isCloseTo(-0.2688f, within(1e-6f));
        outer.apply(2, global, velocity, new float[1], new float[] {-0.1f}, 1f, 0.125f);
        // μ_2 = 0.1; v = 0.1·0.22 − 0.1 = −0.078; θ −= 0.7·(−0.1 + 0.1·(−0.078)) = −0.07546
        assertThat(velocity[0]).isCloseTo(-0.078f, within(1e-7f));
        assertThat(global[0]).isCloseTo(-0.19334f, within(1e-6f));

        assertThatThrownBy(() -> outer.apply(3, global, velocity, new float[1], new float[1], 1f, -0.5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.5");
    }
}
