package io.flotilla.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.model.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    @TempDir
    static Path dir;
    static Path text;

    @BeforeAll
    static void setUp() throws Exception {
        text = writeCorpus(dir.resolve("corpus.txt"));
    }

    /** About 30 KB of sentences from a dozen words, seeded. */
    static Path writeCorpus(Path file) throws Exception {
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
        return Files.writeString(file, sb);
    }

    static TrainConfig tiny(Path out, int steps) {
        return tiny(text, out, steps);
    }

    static TrainConfig tiny(Path text, Path out, int steps) {
        return TrainConfig.reference(text, out)
                .withModel(2, 2, 1, 32, 16)
                .withSchedule(4, steps, 3e-3f, 5, 3e-4f)
                .withEval(0, 16, 0);
    }

    @Test
    void fiftyStepsLowerTheLossAndWriteMetricsCheckpointAndGguf() throws Exception {
        Path out = dir.resolve("fifty");
        List<TrainProgress> progress = new ArrayList<>();
        TrainStats stats = new Trainer(tiny(out, 50), new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                progress.add(p);
            }
        }).run();
        assertThat(progress).hasSize(50);
        double first = progress.getFirst().loss();
        assertThat(first).isGreaterThan(5.0); // ≈ ln(vocab of ~280)
        assertThat(progress.getLast().loss()).isLessThan(first - 2.0);
        assertThat(stats.valLoss()).isLessThan(first - 2.0);
        assertThat(stats.steps()).isEqualTo(50);
        assertThat(stats.tokens()).isEqualTo(50L * 4 * 16);
        assertThat(stats.trainTokensPerSecond()).isPositive();
        assertThat(progress.getLast().eta()).isZero();
        List<String> csv = Files.readAllLines(out.resolve(Trainer.METRICS));
        assertThat(csv.getFirst()).isEqualTo(MetricsCsv.HEADER);
        assertThat(csv).hasSize(1 + 50 + 1);
        assertThat(out.resolve(Trainer.CHECKPOINT)).exists();
        assertThat(out.resolve(Trainer.MODEL)).exists();
        assertThat(out.resolve(Trainer.PLOT)).isNotEmptyFile();
        assertThat(LossHistory.read(out.resolve(Trainer.METRICS)).valSteps()).containsExactly(50);
    }

    @Test
    void resumingFromACheckpointIsBitIdenticalToAnUninterruptedRun() throws Exception {
        Trainer straight = new Trainer(tiny(dir.resolve("straight"), 20), TrainListener.NONE);
        straight.run();

        Path split = dir.resolve("split");
        new Trainer(tiny(split, 20), TrainListener.NONE).runUntil(10);
        Checkpoint half = Checkpoint.read(split.resolve(Trainer.CHECKPOINT));
        assertThat(half.step()).isEqualTo(10);
        Trainer resumed = new Trainer(tiny(split, 20).withRun(1337L, 1, split, true), TrainListener.NONE);
        TrainStats stats = resumed.run();

        assertThat(stats.steps()).isEqualTo(20);
        assertThat(Arrays.equals(resumed.model().params(), straight.model().params())).isTrue();
        Checkpoint a = Checkpoint.read(dir.resolve("straight").resolve(Trainer.CHECKPOINT));
        Checkpoint b = Checkpoint.read(split.resolve(Trainer.CHECKPOINT));
        assertThat(b.m()).isEqualTo(a.m());
        assertThat(b.v()).isEqualTo(a.v());
        assertThat(b.position()).isEqualTo(a.position());
        assertThat(b.tokens()).isEqualTo(a.tokens());
        assertThat(Files.readAllLines(split.resolve(Trainer.METRICS)))
                .filteredOn(l -> !l.contains(",,,,,")).hasSize(1 + 20);
    }

    @Test
    void twoThreadsGiveTheSameParametersAsOne() throws Exception {
        Trainer one = new Trainer(tiny(dir.resolve("one"), 6), TrainListener.NONE);
        one.run();
        Trainer two = new Trainer(tiny(dir.resolve("two"), 6).withRun(1337L, 2, dir.resolve("two"), false),
                TrainListener.NONE);
        two.run();
        assertThat(Arrays.equals(two.model().params(), one.model().params())).isTrue();
    }

    @Test
    void moeModelTrainsToo() throws Exception {
        TrainStats stats = new Trainer(tiny(dir.resolve("moe"), 30).withExperts(4, 2), TrainListener.NONE).run();
        assertThat(stats.valLoss()).isLessThan(4.0);
    }
}
