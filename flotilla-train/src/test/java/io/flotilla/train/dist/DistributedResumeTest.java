package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.data.Corpus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributedResumeTest {

    @TempDir
    Path dir;

    @Test
    void aDilocoRunStoppedAfterARoundResumesFromTheCheckpointRankZeroWrote() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12).withEval(0, 16, 3);
        DistributedConfig diloco = DistributedConfig.diloco(3, Compression.NONE);
        assertThatThrownBy(() -> LocalCluster.run(config, diloco, 3, corpus, TrainListener.NONE,
                (rank, step, params) -> {
                    if (step == 9) {
                        throw new IllegalStateException("the machine went down in round 3");
                    }
                })).hasMessageContaining("went down");
        Path checkpoint = dir.resolve(DistributedTrainer.CHECKPOINT);
        StateTransfer.GlobalState saved = StateTransfer.GlobalState.read(checkpoint);
        assertThat(saved.step()).isEqualTo(6);

        List<Long> steps = new CopyOnWriteArrayList<>();
        TrainListener progress = new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                steps.add(p.step());
            }
        };
        TrainConfig resumed = config.withRun(config.seed(), config.threads(), dir, true);
        LocalCluster.Result r = LocalCluster.run(resumed, diloco, 3, corpus, progress);
        assertThat(steps).containsExactly(7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(r.workers()).extracting(DistributedStats::steps).containsOnly(12L);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(r.workers().get(0).parametersHash());
        assertThat(StateTransfer.GlobalState.read(checkpoint).step()).isEqualTo(12);
        assertThat(r.workers().get(0).valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }

    @Test
    void aFedAvgRunWithFreshClientsResumesBitForBitAsItsInnerStateLivesOnlyWithinARound() throws Exception {
        Corpus corpus = DataParallelTest.corpus();
        TrainConfig config = DataParallelTest.tiny(dir, 4, 12).withEval(0, 16, 3);
        DistributedConfig fresh = DistributedConfig.fedAvg(3, 2, 0f).withFreshClients(true);
        String undisturbed = resumedAfterACrash(config, fresh, corpus, dir.resolve("undisturbed"), false);
        assertThat(resumedAfterACrash(config, fresh, corpus, dir.resolve("fresh"), true)).isEqualTo(undisturbed);
        // the persistent inner state, lost with the crash, makes the resumed run differ
        DistributedConfig persistent = DistributedConfig.fedAvg(3, 2, 0f);
        assertThat(resumedAfterACrash(config, persistent, corpus, dir.resolve("persistent"), true))
                .isNotEqualTo(resumedAfterACrash(config, persistent, corpus, dir.resolve("persistent-whole"), false));
    }

    /** Worker 0's final parameter hash of a run, stopped in round 3 and resumed from its checkpoint when {@code crash}. */
    private static String resumedAfterACrash(TrainConfig base, DistributedConfig dist, Corpus corpus, Path out,
                                             boolean crash) throws Exception {
        TrainConfig config = base.withRun(base.seed(), base.threads(), out, false);
        if (crash) {
            assertThatThrownBy(() -> LocalCluster.run(config, dist, 4, corpus, TrainListener.NONE,
                    (rank, step, params) -> {
                        if (step == 9) {
                            throw new IllegalStateException("the machine went down in round 3");
                        }
                    })).hasMessageContaining("went down");
        }
        TrainConfig resumed = config.withRun(config.seed(), config.threads(), out, crash);
        LocalCluster.Result r = LocalCluster.run(resumed, dist, 4, corpus, TrainListener.NONE);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(r.workers().get(0).parametersHash());
        return r.workers().get(0).parametersHash();
    }
}
