package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.Trainer;
import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.Rng;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DilocoTest {

    @TempDir
    Path dir;

    @Test
    void everyRoundEndsWithTheSameParametersOnEveryWorkerAndOneAllReduce() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12);
        Map<Long, List<String>> hashes = new ConcurrentHashMap<>();
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.diloco(4, Compression.NONE), 3, corpus,
                TrainListener.NONE, (rank, step, params) -> hashes
                        .computeIfAbsent(step, s -> new CopyOnWriteArrayList<>()) // workers add concurrently
                        .add(DistributedTrainer.hash(params)));
        assertThat(hashes).containsOnlyKeys(4L, 8L, 12L);
        hashes.values().forEach(h -> assertThat(h).hasSize(3).containsOnly(h.get(0)));
        DistributedStats w0 = r.workers().get(0);
        assertThat(w0.syncs()).isEqualTo(3);
        int n = r.params().length;
        double perRound = 2.0 * 2 / 3 * 4 * n;
        assertThat((double) w0.bytes().payloadBytes()).isCloseTo(3 * perRound + 3 * 2 * 32,
                org.assertj.core.data.Offset.offset(100.0));
        assertThat(w0.valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }

    @Test
    void theOuterStepIsSgdWithNesterovMomentum() {
        float[] global = {1f, -2f};
        float[] velocity = new float[2];
        OuterStep.nesterov(global, velocity, new float[] {0.1f, -0.2f}, 0.7f, 0.9f);
        // v = Δ1; θ -= 0.7·(Δ1 + 0.9·Δ1)
        assertThat(global[0]).isCloseTo(0.867f, within(1e-6f));
        assertThat(global[1]).isCloseTo(-1.734f, within(1e-6f));
        OuterStep.nesterov(global, velocity, new float[] {0.1f, 0f}, 0.7f, 0.9f);
        // v = 0.9·Δ1 + Δ2 = (0.19, −0.18); θ -= 0.7·(Δ2 + 0.9·v)
        assertThat(velocity[0]).isCloseTo(0.19f, within(1e-6f));
        assertThat(velocity[1]).isCloseTo(-0.18f, within(1e-6f));
        assertThat(global[0]).isCloseTo(0.6773f, within(1e-6f));
        assertThat(global[1]).isCloseTo(-1.6206f, within(1e-6f));
    }

    @Test
    void aSteadyPseudoGradientMovesTheGlobalModelSevenTimesItsLengthPerRound() {
        float[] global = {0f};
        float[] velocity = new float[1];
        float before = 0f;
        for (int round = 0; round < 200; round++) {
            before = global[0];
            OuterStep.nesterov(global, velocity, new float[] {-1e-3f}, 0.7f, 0.9f);
        }
        // lr·(1 + μ/(1 − μ)) = 0.7 × 10: the outer step amplifies a direction that persists across rounds
        assertThat(global[0] - before).isCloseTo(7e-3f, within(1e-6f));

        float[] avg = {0.5f};
        OuterStep.nesterov(avg, new float[1], new float[] {0.25f}, 1f, 0f);
        assertThat(avg[0]).isEqualTo(0.25f); // lr 1, no momentum: global − mean(global − local) = mean(local)
    }

    @Test
    void oneWorkerWithPlainAveragingFollowsTheSingleProcessTrajectory() throws Exception {
        // Catches inner AdamW state or step count lost at a round, the schedule restarting per round,
        // and a round that re-reads or skips data: none of them may move the trajectory.
        Corpus corpus = DataParallelTest.corpus();
        int steps = 15;
        TrainConfig config = DataParallelTest.tiny(dir, 8, steps);
        LocalCluster.Result r = LocalCluster.run(config,
                DistributedConfig.diloco(5, Compression.NONE).withOuterStep(1f, 0f), 1, corpus, TrainListener.NONE);
        float[] reference = DataParallelTest.singleProcess(config, corpus, 1, steps);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            diff += Math.pow(r.params()[i] - reference[i], 2);
            norm += Math.pow(reference[i], 2);
        }
        assertThat(Math.sqrt(diff / norm)).isLessThan(1e-6);
    }

    /** One worker, H = 5, outer lr 0.5, μ 0.6: the rounds the hand replays below follow. */
    private static final DistributedConfig ONE_WORKER_ROUNDS = DistributedConfig.diloco(5, Compression.NONE)
            .withOuterStep(0.5f, 0.6f);

    @Test
    void eachRoundStartsFromTheNewGlobalParametersWithTheInnerAdamWStateAndAnUnclippedPseudoGradient() throws Exception {
        // DiLoCo as published: the inner AdamW state (moments, update count) and lr schedule carry across
        // rounds, the pseudo-gradient global − local enters the outer step unclipped, and the next round
        // starts from the global parameters after the outer step (not from the worker's own local ones).
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 8, 15);
        float[] trained = LocalCluster.run(config, ONE_WORKER_ROUNDS, 1, corpus, TrainListener.NONE).params();

        assertThat(relativeDistance(trained, published(config, corpus, false, false))).isLessThan(1e-6);
        // the test tells the variants apart: rounds that go on from their own local parameters, or a
        // pseudo-gradient clipped to the inner clip norm, end far away
        float inf = Float.POSITIVE_INFINITY;
        assertThat(relativeDistance(trained, replay(config, corpus, 5, 0.5f, 0.6f, false, inf, false, false)))
                .isGreaterThan(1e-3);
        assertThat(relativeDistance(trained, replay(config, corpus, 5, 0.5f, 0.6f, true, (float) config.clip(), false,
                false))).isGreaterThan(1e-3);
    }

    @Test
    void aDecayingOuterMomentumStepsEachRoundWithMuTimesTheRoundsMeanInnerLearningRateOverThePeak() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 8, 15);
        assertThat(ONE_WORKER_ROUNDS.outerMomentumDecay()).isFalse(); // off by default
        float[] trained = LocalCluster.run(config, ONE_WORKER_ROUNDS.withOuterMomentumDecay(true), 1, corpus,
                TrainListener.NONE).params();
        assertThat(relativeDistance(trained, published(config, corpus, true, false))).isLessThan(1e-6);
        assertThat(relativeDistance(trained, published(config, corpus, false, false)))
                .isGreaterThan(1e-4); // the constant momentum ends elsewhere
    }

    @Test
    void freshClientsStartEveryRoundWithANewAdamWAndTheGlobalLearningRateSchedule() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 8, 15);
        assertThat(ONE_WORKER_ROUNDS.freshClients()).isFalse(); // off by default
        assertThat(DistributedConfig.fedAvg(50, 4, 0f).freshClients()).isFalse();
        float[] trained = LocalCluster.run(config, ONE_WORKER_ROUNDS.withFreshClients(true), 1, corpus,
                TrainListener.NONE).params();
        assertThat(relativeDistance(trained, published(config, corpus, false, true))).isLessThan(1e-6);
        assertThat(relativeDistance(trained, published(config, corpus, false, false)))
                .isGreaterThan(1e-4); // the persistent inner state ends elsewhere
        assertThatThrownBy(() -> DistributedConfig.ddp(Compression.NONE).withFreshClients(true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DDP");
    }

    /** {@link #replay} of {@link #ONE_WORKER_ROUNDS}: rounds restart from the global parameters, Δ unclipped. */
    private static float[] published(TrainConfig config, Corpus corpus, boolean muDecay, boolean fresh) {
        return replay(config, corpus, 5, 0.5f, 0.6f, true, Float.POSITIVE_INFINITY, muDecay, fresh);
    }

    /**
     * One worker's DiLoCo run by hand: H AdamW steps, then the outer Nesterov step on Δ = global − local
     * (clipped to {@code deltaClip}); the next round starts from the new global ({@code restart}) or from the local
     * parameters; with {@code muDecay} the round's momentum is μ times the mean of its H inner learning rates over the
     * peak; with {@code fresh} each round's inner steps start from a new AdamW (the learning rate still follows
     * the global step).
     */
    private static float[] replay(TrainConfig config, Corpus corpus, int h, float lr, float mu, boolean restart,
                                  float deltaClip, boolean muDecay, boolean fresh) {
        LlamaModel model = new LlamaModel(new Trainer(config, TrainListener.NONE).modelConfig(
                corpus.tokenizer().vocabSize()), config.batch());
        model.initialize(new Rng(config.seed()));
        AdamW adam = new AdamW(model.layout(), 0.9f, 0.99f, 1e-8f, config.weightDecay());
        ShardLoader loader = new ShardLoader(corpus.train(), 0, 1, config.ctx(), config.seed(), ShardLoader.Split.INTERLEAVED);
        float[] p = model.params();
        float[] global = p.clone();
        float[] velocity = new float[p.length];
        int[] in = new int[config.batch() * config.ctx()];
        int[] out = new int[in.length];
        double lrSum = 0;
        for (int step = 0; step < config.steps(); step++) {
            if (fresh && step % h == 0) {
                adam = new AdamW(model.layout(), 0.9f, 0.99f, 1e-8f, config.weightDecay());
            }
            loader.next(in, out, config.batch());
            model.zeroGrad();
            model.forward(in, out, config.batch(), config.ctx());
            model.backward();
            AdamW.clipGradients(model.grads(), config.clip());
            float innerLr = AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr());
            adam.update(p, model.grads(), innerLr);
            lrSum += innerLr;
            if ((step + 1) % h == 0) {
                float[] delta = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    delta[i] = global[i] - p[i];
                }
                AdamW.clipGradients(delta, deltaClip);
                float muScale = muDecay ? (float) (lrSum / h / config.lr()) : 1f;
                lrSum = 0;
                new OuterStep(lr, mu).apply(0, global, velocity, delta, delta, 1f, muScale);
                if (restart || step + 1 == config.steps()) {
                    System.arraycopy(global, 0, p, 0, p.length);
                }
            }
        }
        return p.clone();
    }

    private static double relativeDistance(float[] a, float[] reference) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            diff += Math.pow(a[i] - reference[i], 2);
            norm += Math.pow(reference[i], 2);
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void int8PseudoGradientsCostAQuarterAndStayClose() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 20);
        DistributedStats fp32 = LocalCluster.run(config, DistributedConfig.diloco(5, Compression.NONE), 2, corpus,
                TrainListener.NONE).workers().get(0);
        DistributedStats int8 = LocalCluster.run(config, DistributedConfig.diloco(5, Compression.parse("int8")), 2,
                corpus, TrainListener.NONE).workers().get(0);
        double ratio = (double) fp32.bytes().payloadBytes() / int8.bytes().payloadBytes();
        assertThat(ratio).isBetween(3.8, 4.0);
        assertThat(int8.valLoss()).isCloseTo(fp32.valLoss(), org.assertj.core.data.Percentage.withPercentage(2));
    }

    @Test
    void aOneUlpCorruptionOnOneOfThreeWorkersIsRepairedFromTheOthers() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 8);
        DistributedConfig diloco = DistributedConfig.diloco(4, Compression.NONE);
        String undisturbed = LocalCluster.run(config, diloco, 3, corpus, TrainListener.NONE).workers().get(0)
                .parametersHash();
        LocalCluster.Result r = LocalCluster.run(config, diloco, 3, corpus, TrainListener.NONE,
                (rank, step, params) -> {
                    if (rank == 1 && step == 4) {
                        params[123] = Math.nextUp(params[123]);
                    }
                });
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(undisturbed);
    }

    @Test
    void aOneUlpCorruptionWithoutAMajorityStopsTheRun() {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 8);
        assertThatThrownBy(() -> LocalCluster.run(config, DistributedConfig.diloco(4, Compression.NONE), 2, corpus,
                TrainListener.NONE, (rank, step, params) -> {
                    if (rank == 1 && step == 4) {
                        params[123] = Math.nextUp(params[123]);
                    }
                })).isInstanceOf(ParametersDivergedException.class).hasMessageContaining("after step 4");
    }

    @Test
    void fedAvgSamplesTheSameClientsOnEveryWorkerAndAveragesTheirModels() throws Exception {
        boolean[] chosen = DistributedTrainer.sample(7, 3, 8, 4);
        assertThat(DistributedTrainer.sample(7, 3, 8, 4)).isEqualTo(chosen);
        int count = 0;
        for (boolean c : chosen) {
            count += c ? 1 : 0;
        }
        assertThat(count).isEqualTo(4);
        assertThat(DistributedTrainer.sample(7, 4, 8, 4)).isNotEqualTo(chosen);

        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 9);
        Map<Long, List<String>> hashes = new ConcurrentHashMap<>();
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.fedAvg(3, 2, 0.01f), 4, corpus,
                TrainListener.NONE, (rank, step, params) -> hashes
                        .computeIfAbsent(step, s -> new CopyOnWriteArrayList<>()) // workers add concurrently
                        .add(DistributedTrainer.hash(params)));
        assertThat(hashes).containsOnlyKeys(3L, 6L, 9L);
        hashes.values().forEach(h -> assertThat(h).hasSize(4).containsOnly(h.get(0)));
        assertThat(r.workers().get(0).valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }

    @Test
    void aWorkerThatDiesInsideARoundDoesNotStopTheRun() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12);
        Map<Long, List<String>> hashes = new ConcurrentHashMap<>();
        LocalCluster.Result r = LocalCluster.runElastic(config, DistributedConfig.diloco(3, Compression.NONE), 4,
                corpus, TrainListener.NONE, (rank, step, params) -> {
                    if (rank == 2 && step == 6) {
                        throw new IllegalStateException("worker 2 killed inside round 2");
                    }
                    hashes.computeIfAbsent(step, s -> new CopyOnWriteArrayList<>()).add(DistributedTrainer.hash(params));
                });
        assertThat(r.workers()).hasSize(3);
        assertThat(r.workers()).extracting(DistributedStats::steps).containsOnly(12L);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash)
                .containsOnly(r.workers().get(0).parametersHash());
        assertThat(hashes.get(9L)).hasSize(3).containsOnly(hashes.get(9L).get(0));
        assertThat(hashes.get(12L)).hasSize(3).containsOnly(hashes.get(12L).get(0));
        assertThat(r.workers().get(0).valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }
}
