package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerLauncherTest {

    @TempDir
    Path dir;

    @Test
    void configurationsSurviveTheTripThroughArguments() {
        TrainConfig config = DataParallelTest.tiny(dir, 4, 7);
        DistributedConfig dist = DistributedConfig.diloco(5, Compression.parse("topk:0.03"));
        Map<String, String> values = new java.util.HashMap<>();
        for (String a : RecordArgs.encode(config)) {
            values.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        for (String a : RecordArgs.encode(dist)) {
            values.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        assertThat(RecordArgs.decode(TrainConfig.class, values)).isEqualTo(config);
        assertThat(RecordArgs.decode(DistributedConfig.class, values)).isEqualTo(dist);
    }

    @Test
    void twoWorkerProcessesTrainTogetherAndEndWithEqualParameters() throws Exception {
        Path text = Files.writeString(dir.resolve("corpus.txt"), DataParallelTest.text());
        TrainConfig config = TrainConfig.reference(text, dir.resolve("out")).withModel(2, 2, 2, 32, 16)
                .withSchedule(4, 6, 3e-3f, 3, 3e-4f).withEval(0, 16, 0);
        List<TrainProgress> progress = new ArrayList<>();
        List<DistributedStats> stats = WorkerLauncher.run(config, DistributedConfig.ddp(Compression.parse("int8")), 2,
                new TrainListener() {
                    @Override
                    public void onStep(TrainProgress p) {
                        progress.add(p);
                    }
                });
        assertThat(stats).hasSize(2);
        assertThat(stats.get(1).parametersHash()).isEqualTo(stats.get(0).parametersHash());
        assertThat(stats.get(0).valLoss()).isFinite();
        assertThat(stats.get(0).bytes().payloadBytes()).isPositive();
        assertThat(progress).extracting(TrainProgress::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(dir.resolve("out/model.gguf")).exists();
    }

    @Test
    void aWorkerKilledInsideADilocoRoundDoesNotStopTheRun() throws Exception {
        Path text = Files.writeString(dir.resolve("corpus.txt"), DataParallelTest.text());
        TrainConfig config = TrainConfig.reference(text, dir.resolve("elastic")).withModel(2, 2, 2, 64, 32)
                .withSchedule(8, 60, 3e-3f, 3, 3e-4f).withEval(0, 16, 0);
        boolean[] killed = {false};
        List<Process> workers = new ArrayList<>();
        List<DistributedStats> stats = WorkerLauncher.run(config, DistributedConfig.diloco(3, Compression.NONE), 3,
                new TrainListener() {
                    @Override
                    public void onStep(TrainProgress p) {
                        if (p.step() >= 8 && !killed[0]) {
                            killed[0] = true;
                            workers.get(2).destroyForcibly(); // SIGKILL
                        }
                    }
                }, workers::addAll);
        assertThat(killed[0]).isTrue();
        assertThat(stats).hasSize(2);
        assertThat(stats).extracting(DistributedStats::steps).containsOnly(60L);
        assertThat(stats.get(1).parametersHash()).isEqualTo(stats.get(0).parametersHash());
        assertThat(stats.get(0).rank()).isZero();
        assertThat(stats.get(0).valLoss()).isFinite();
    }
}
