package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.Trainer;
import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.PieceTokenizer;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.Rng;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataParallelTest {

    @TempDir
    Path dir;

    /** About 30 KB of sentences from a dozen words, seeded. */
    static Corpus corpus() {
        String text = text();
        return Corpus.of(text, PieceTokenizer.chars(text));
    }

    static String text() {
        String[] words = {"the", "cat", "dog", "sat", "ran", "on", "under", "a", "mat", "log", "and", "then"};
        Rng rng = new Rng(5);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 30_000) {
            int n = 4 + rng.nextInt(5);
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : " ").append(words[rng.nextInt(words.length)]);
            }
            sb.append(".\n");
        }
        return sb.toString();
    }

    static TrainConfig tiny(Path out, int batch, int steps) {
        return TrainConfig.reference(Path.of("corpus.txt"), out)
                .withModel(2, 2, 2, 32, 16)
                .withSchedule(batch, steps, 3e-3f, 3, 3e-4f)
                .withEval(0, 16, 0);
    }

    @Test
    void fourWorkersOfBatchEightEqualOneProcessOfBatchThirtyTwo() throws Exception {
        Corpus corpus = corpus();
        int k = 4;
        int steps = 10;
        TrainConfig config = tiny(dir, 8, steps);
        LocalCluster.Result ddp = LocalCluster.run(config, DistributedConfig.ddp(Compression.NONE), k, corpus,
                TrainListener.NONE);

        float[] reference = singleProcess(config, corpus, k, steps);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            diff += Math.pow(ddp.params()[i] - reference[i], 2);
            norm += Math.pow(reference[i], 2);
        }
        assertThat(Math.sqrt(diff / norm)).isLessThan(1e-5);
        assertThat(ddp.workers()).extracting(DistributedStats::parametersHash).containsOnly(
                ddp.workers().get(0).parametersHash());
        // ring arithmetic: 2(K-1)/K × 4N payload bytes per step, plus the hash checks (32 bytes × (K-1))
        int n = reference.length;
        DistributedStats w0 = ddp.workers().get(0);
        double perStep = (w0.bytes().payloadBytes() - 32.0 * (k - 1)) / steps;
        assertThat(perStep).isCloseTo(2.0 * (k - 1) / k * 4 * n, org.assertj.core.data.Offset.offset(16.0 * k));
        assertThat(w0.bytes().wireBytes()).isGreaterThan(w0.bytes().payloadBytes());
        assertThat(w0.valLoss()).isFinite();
    }

    /** One model with batch 32: 8 windows from each of the 4 shards, in shard order. */
    static float[] singleProcess(TrainConfig config, Corpus corpus, int k, int steps) {
        LlamaModel model = new LlamaModel(new Trainer(config, TrainListener.NONE).modelConfig(
                corpus.tokenizer().vocabSize()), config.batch() * k);
        model.initialize(new Rng(config.seed()));
        AdamW adam = new AdamW(model.layout(), 0.9f, 0.99f, 1e-8f, config.weightDecay());
        ShardLoader[] loaders = new ShardLoader[k];
        for (int r = 0; r < k; r++) {
            loaders[r] = new ShardLoader(corpus.train(), r, k, config.ctx(), config.seed(), ShardLoader.Split.INTERLEAVED);
        }
        int rows = config.batch() * config.ctx();
        int[] in = new int[rows * k];
        int[] out = new int[rows * k];
        int[] a = new int[rows];
        int[] b = new int[rows];
        for (int step = 0; step < steps; step++) {
            for (int r = 0; r < k; r++) {
                loaders[r].next(a, b, config.batch());
                System.arraycopy(a, 0, in, r * rows, rows);
                System.arraycopy(b, 0, out, r * rows, rows);
            }
            model.zeroGrad();
            model.forward(in, out, config.batch() * k, config.ctx());
            model.backward();
            AdamW.clipGradients(model.grads(), config.clip());
            adam.update(model.params(), model.grads(),
                    AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr()));
        }
        return model.params();
    }
}
