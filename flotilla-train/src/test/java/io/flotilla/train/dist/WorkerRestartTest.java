package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerRestartTest {

    @TempDir
    Path dir;

    @Test
    void aKilledWorkerProcessIsRestartedAndJoinsWithTheStateOfItsPeers() throws Exception {
        Path text = Files.writeString(dir.resolve("corpus.txt"), DataParallelTest.text());
        Path out = dir.resolve("restart");
        TrainConfig config = TrainConfig.reference(text, out).withModel(2, 2, 2, 64, 32)
                .withSchedule(8, 30, 3e-3f, 3, 3e-4f).withEval(0, 16, 0);
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
                }, workers::addAll, Set.of(2));
        assertThat(killed[0]).isTrue();
        assertThat(stats).hasSize(3);
        assertThat(stats).extracting(DistributedStats::steps).containsOnly(30L);
        assertThat(stats).extracting(DistributedStats::parametersHash).containsOnly(stats.get(0).parametersHash());
        // the restarted worker logged the hashes every worker announced before it trained: all equal
        String joined = admitted(out.resolve("worker-2-restart.log"));
        String[] f = joined.split(" ");
        assertThat(f[2]).isEqualTo("true");
        String[] hashes = f[3].split(",");
        assertThat(hashes).hasSize(3).containsOnly(hashes[0]);
        assertThat(admitted(out.resolve("worker-0.log"))).isEqualTo(joined.replace(" true ", " false "));
    }

    private static String admitted(Path log) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("ADMITTED ")).findFirst().orElseThrow();
    }
}
