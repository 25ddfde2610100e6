package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.data.Corpus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FedAvg rounds with secure aggregation and differential privacy, through {@link LocalCluster}. */
class FederatedRoundsTest {

    @TempDir
    Path dir;

    /** Collects rank 0's round reports. */
    static final class Rounds implements RoundListener {
        final List<RoundStats> rounds = new CopyOnWriteArrayList<>();

        @Override
        public void onStep(TrainProgress progress) {}

        @Override
        public void onRound(RoundStats round) {
            rounds.add(round);
        }
    }

    @Test
    void aMaskedRoundGivesTheSameModelAsPlainFedAvgUpToFixedPoint() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 3);
        DistributedConfig plain = DistributedConfig.fedAvg(3, 2, 0f);
        LocalCluster.Result a = LocalCluster.run(config, plain, 4, corpus, new Rounds());
        Rounds rounds = new Rounds();
        LocalCluster.Result b = LocalCluster.run(config, plain.withPrivacy(true, 0f, 0f), 4, corpus, rounds);
        double worst = 0;
        for (int i = 0; i < a.params().length; i++) {
            worst = Math.max(worst, Math.abs(a.params()[i] - b.params()[i]));
        }
        assertThat(worst).isGreaterThan(0).isLessThan(2e-6); // fixed point: 2^-21 per client, then float division
        assertThat(b.workers()).extracting(DistributedStats::parametersHash).containsOnly(b.workers().get(0).parametersHash());
        assertThat(rounds.rounds).containsExactly(new RoundStats(0, 2, 0, false, 0));
    }

    @Test
    void privateRoundsReportTheEpsilonSpentAfterEachRound() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 9);
        Rounds rounds = new Rounds();
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.fedAvg(3, 2, 0f).withPrivacy(true, 1f, 0.5f),
                4, corpus, rounds);
        assertThat(rounds.rounds).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(rounds.rounds.get(i).clients()).isEqualTo(2);
            assertThat(rounds.rounds.get(i).epsilon()).isEqualTo(DifferentialPrivacy.epsilon(i + 1, 0.5, 1e-5));
        }
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(r.workers().get(0).parametersHash());
        assertThat(r.workers().get(0).valLoss()).isFinite();
    }

    @Test
    void oneClientCrashingInEachRoundStillMakesProgress() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12);
        Rounds rounds = new Rounds();
        LocalCluster.Result r = LocalCluster.runElastic(config, DistributedConfig.fedAvg(3, 0, 0f)
                .withDeadline(Duration.ofSeconds(60)).withPrivacy(true, 0f, 0f), 6, corpus, rounds, (rank, step, params) -> {
                    if (rank == step / 3 && step < 12) {
                        throw new IllegalStateException("client " + rank + " crashed in the round ending at step " + step);
                    }
                });
        assertThat(r.workers()).hasSize(3);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(r.workers().get(0).parametersHash());
        // the first attempt of a round completed on rank 0 before the crash was noticed; its redo drops the crashed client
        assertThat(rounds.rounds).contains(new RoundStats(0, 5, 1, false, 0), new RoundStats(1, 4, 1, false, 0),
                new RoundStats(2, 3, 1, false, 0), new RoundStats(3, 3, 0, false, 0));
        assertThat(r.workers().get(0).valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }

    @Test
    void aRoundThatLosesTooManyClientsIsSkippedAndTheRunGoesOn() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 9);
        Rounds rounds = new Rounds();
        LocalCluster.Result r = LocalCluster.runElastic(config, DistributedConfig.fedAvg(3, 0, 0f)
                .withDeadline(Duration.ofSeconds(60)).withPrivacy(true, 0f, 0f), 6, corpus, rounds, (rank, step, params) -> {
                    if (step == 3 && Set.of(1, 3, 5).contains(rank)) {
                        throw new IllegalStateException("client " + rank + " crashed");
                    }
                });
        assertThat(r.workers()).hasSize(3);
        assertThat(rounds.rounds).contains(new RoundStats(0, 0, 0, true, 0), new RoundStats(1, 3, 0, false, 0),
                new RoundStats(2, 3, 0, false, 0));
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(r.workers().get(0).parametersHash());
    }
}
