package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.data.Corpus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticJoinTest {

    @TempDir
    Path dir;

    /** What the workers reported at the state transfer: (rank, step, joiner, hashes by rank). */
    record Admission(int rank, long step, boolean joiner, List<String> hashes) {}

    @Test
    void aRestartedWorkerReceivesTheStateVerifiesItsHashAndTheRunCompletes() throws Exception {
        Run run = killWorker2OnceAndRestartIt(false);

        // one state transfer: the joiner and both members saw the same three hashes, all equal, before it trained
        List<Admission> admissions = run.admissions();
        assertThat(admissions).hasSize(3);
        Admission joiner = admissions.stream().filter(Admission::joiner).findFirst().orElseThrow();
        assertThat(joiner.rank()).isEqualTo(2);
        assertThat(joiner.step()).isIn(3L, 6L, 9L);
        assertThat(joiner.hashes()).hasSize(3).containsOnly(joiner.hashes().get(0));
        assertThat(admissions).extracting(Admission::hashes).containsOnly(joiner.hashes());
        assertThat(run.result().workers().get(0).valLoss())
                .isLessThan(Math.log(DataParallelTest.corpus().tokenizer().vocabSize()));
    }

    @Test
    void aWorkerDyingBetweenTheRoundAndTheJoinCheckIsDroppedAndRejoins() throws Exception {
        // the survivors fail in the all-gather that asks for waiting joiners, not in a synchronisation
        Run run = killWorker2OnceAndRestartIt(true);

        assertThat(run.admissions()).filteredOn(Admission::joiner).hasSize(1);
    }

    /** A run's result and the state transfers its workers reported. */
    record Run(LocalCluster.Result result, List<Admission> admissions) {}

    /**
     * 12 DiLoCo steps (H = 3) on 3 workers; worker 2 dies once at step 3, inside the round's
     * synchronisation or ({@code afterRound}) after it, before the check for waiting joiners, and is
     * restarted. Checks that the run still ends with 3 workers, 12 steps and equal parameters.
     */
    private Run killWorker2OnceAndRestartIt(boolean afterRound) throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12);
        AtomicBoolean killed = new AtomicBoolean();
        List<Admission> admissions = new CopyOnWriteArrayList<>();
        LocalCluster.Hook hook = new LocalCluster.Hook() {
            @Override
            public void afterStep(int rank, long step, float[] params) {
                if (!afterRound) {
                    kill(rank, step);
                }
            }

            @Override
            public void roundEnded(int rank, long step) {
                if (afterRound) {
                    kill(rank, step);
                }
            }

            private void kill(int rank, long step) {
                if (rank == 2 && step == 3 && killed.compareAndSet(false, true)) {
                    throw new IllegalStateException("worker 2 killed at step 3");
                }
            }

            @Override
            public void admitted(int rank, long step, boolean joiner, List<String> stateHashes) {
                admissions.add(new Admission(rank, step, joiner, stateHashes));
            }
        };
        LocalCluster.Result r = LocalCluster.runElastic(config, DistributedConfig.diloco(3, Compression.NONE)
                .withDeadline(Duration.ofSeconds(60)), 3, corpus, TrainListener.NONE, hook, Set.of(2));

        assertThat(killed).isTrue();
        assertThat(r.workers()).hasSize(3);
        assertThat(r.workers()).extracting(DistributedStats::steps).containsOnly(12L);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash)
                .containsOnly(r.workers().get(0).parametersHash());
        return new Run(r, admissions);
    }

    @Test
    void aWorkerRestartedHalfWayEndsWithinOnePercentOfAnUndisturbedRun() throws Exception {
        // measured here: 1.2808 against 1.2751 undisturbed (ratio 1.0045; with a fresh inner AdamW 1.0018)
        restartHalfWay(DistributedConfig.diloco(5, Compression.NONE));
    }

    @Test
    void withTheSendersInnerMomentsARestartStaysWithinOnePercentAtOuterMomentumPointNine() throws Exception {
        // measured here: 1.0424 against 1.0373 undisturbed (ratio 1.0049); a joiner that started its inner
        // steps from a fresh AdamW ended at 1.0531 (1.0152), outside the bar
        restartHalfWay(DistributedConfig.diloco(5, Compression.NONE).withOuterStep(0.7f, 0.9f));
    }

    /** 60 steps on 3 workers; worker 2 dies at step 30 and is restarted; its loss stays within 1% of an undisturbed run's. */
    private void restartHalfWay(DistributedConfig dist) throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 60);
        DistributedConfig diloco = dist.withDeadline(Duration.ofSeconds(60));
        double undisturbed = LocalCluster.run(config, diloco, 3, corpus, TrainListener.NONE).workers().get(0).valLoss();
        AtomicBoolean killed = new AtomicBoolean();
        LocalCluster.Result r = LocalCluster.runElastic(config, diloco, 3, corpus, TrainListener.NONE,
                (rank, step, params) -> {
                    if (rank == 2 && step == 30 && killed.compareAndSet(false, true)) {
                        throw new IllegalStateException("worker 2 killed at step 30");
                    }
                }, Set.of(2));
        assertThat(killed).isTrue();
        assertThat(r.workers()).hasSize(3);
        assertThat(r.workers().get(0).valLoss()).isLessThanOrEqualTo(1.01 * undisturbed);
    }
}
