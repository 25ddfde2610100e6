package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.Trainer;
import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.Rng;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FedProxTest {

    @TempDir
    Path dir;

    @Test
    void theProximalStepIsTakenApartFromAdamWAndPullsTowardTheRoundsStart() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        int steps = 12;
        int h = 4;
        float mu = 0.5f; // large, so that a misplaced term moves the trajectory far beyond the tolerance
        TrainConfig config = DataParallelTest.tiny(dir, 8, steps);
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.fedAvg(h, 0, mu), 1, corpus,
                TrainListener.NONE);

        assertThat(relativeDistance(r.params(), reference(config, corpus, h, mu, true))).isLessThan(1e-6);
        // the term added to the gradient before clipping and AdamW instead, or no term, is far away
        assertThat(relativeDistance(r.params(), reference(config, corpus, h, mu, false))).isGreaterThan(1e-4);
        assertThat(relativeDistance(r.params(), reference(config, corpus, h, 0f, true))).isGreaterThan(1e-4);
    }

    /**
     * One client by hand: at each round's start the anchor is the current parameters; every step
     * either takes {@code θ -= lr·mu·(θ − anchor)} after AdamW ({@code decoupled}) or adds
     * {@code mu·(θ − anchor)} to the gradient before clipping and AdamW.
     */
    private static float[] reference(TrainConfig config, Corpus corpus, int h, float mu, boolean decoupled) {
        LlamaModel model = new LlamaModel(new Trainer(config, TrainListener.NONE).modelConfig(
                corpus.tokenizer().vocabSize()), config.batch());
        model.initialize(new Rng(config.seed()));
        AdamW adam = new AdamW(model.layout(), 0.9f, 0.99f, 1e-8f, config.weightDecay());
        ShardLoader loader = new ShardLoader(corpus.train(), 0, 1, config.ctx(), config.seed());
        int[] in = new int[config.batch() * config.ctx()];
        int[] out = new int[in.length];
        float[] anchor = null;
        for (int step = 0; step < config.steps(); step++) {
            if (step % h == 0) {
                anchor = model.params().clone();
            }
            loader.next(in, out, config.batch());
            model.zeroGrad();
            model.forward(in, out, config.batch(), config.ctx());
            model.backward();
            if (!decoupled) {
                addProximal(model, anchor, mu);
            }
            AdamW.clipGradients(model.grads(), config.clip());
            float lr = AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr());
            adam.update(model.params(), model.grads(), lr);
            if (decoupled) {
                float[] p = model.params();
                for (int i = 0; i < p.length; i++) {
                    p[i] -= lr * mu * (p[i] - anchor[i]);
                }
            }
        }
        return model.params();
    }

    private static void addProximal(LlamaModel model, float[] anchor, float mu) {
        float[] p = model.params();
        float[] g = model.grads();
        for (int i = 0; i < g.length; i++) {
            g[i] += mu * (p[i] - anchor[i]);
        }
    }

    static double relativeDistance(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += Math.pow(a[i] - b[i], 2);
            norm += Math.pow(b[i], 2);
        }
        return Math.sqrt(diff / norm);
    }
}
