package io.flotilla.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LlamaModelTest {

    private static final ModelConfig TINY = new ModelConfig(11, 8, 2, 2, 1, 12, 5, 10000f, 1e-5f, 0, 0, 0f);

    @Test
    void denseModelGradientMatchesFiniteDifferences() {
        checkWholeModel(TINY, 3e-3);
    }

    @Test
    void moeModelGradientMatchesFiniteDifferences() {
        checkWholeModel(TINY.withExperts(4, 2, 0.01f), 3e-3);
    }

    @Test
    void freshModelLossIsLogVocab() {
        ModelConfig config = ModelConfig.dense(65, 32, 2, 4, 16);
        LlamaModel model = new LlamaModel(config, 4);
        model.initialize(new Rng(7));
        Rng rng = new Rng(8);
        int[] tokens = new int[64];
        int[] targets = new int[64];
        for (int i = 0; i < 64; i++) {
            tokens[i] = rng.nextInt(65);
            targets[i] = rng.nextInt(65);
        }
        assertThat(model.forward(tokens, targets, 4, 16)).isCloseTo(Math.log(65), within(0.05));
    }

    @Test
    void layoutCountsTheReferenceModel() {
        ParameterLayout layout = new ParameterLayout(ModelConfig.dense(65, 128, 4, 4, 64));
        assertThat(layout.size()).isBetween(780_000, 840_000);
        assertThat(layout.slots()).extracting(ParameterLayout.Slot::name)
                .contains("token_embd.weight", "blk.3.ffn_down.weight", "output_norm.weight", "output.weight");
    }

    private static void checkWholeModel(ModelConfig config, double tolerance) {
        int batch = 2;
        int seq = config.context();
        LlamaModel model = new LlamaModel(config, batch);
        Rng rng = new Rng(42);
        float[] p = model.params();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (rng.nextGaussian() * 0.5);
        }
        int[] tokens = new int[batch * seq];
        int[] targets = new int[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(config.vocab());
            targets[i] = rng.nextInt(config.vocab());
        }
        model.zeroGrad();
        model.forward(tokens, targets, batch, seq);
        model.backward();
        float[] analytic = model.grads().clone();
        double norm = 0;
        for (float g : analytic) {
            norm += (double) g * g;
        }
        assertThat(Math.sqrt(norm)).as("gradient norm").isGreaterThan(0.1);
        GradCheck.check("params", p, 0, analytic, 0, p.length, 1e-2f, tolerance,
                () -> model.forward(tokens, targets, batch, seq));
    }
}
