package io.flotilla.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossHistoryTest {

    @TempDir
    Path dir;

    private static TrainProgress step(long s, double loss) {
        return new TrainProgress(s, 10, loss, 1e-3f, 0.5, 100, Duration.ZERO);
    }

    @Test
    void readsTrainingAndValidationRowsOfTheCsv() throws Exception {
        Path csv = dir.resolve(Trainer.METRICS);
        try (MetricsCsv m = new MetricsCsv(csv, false)) {
            m.step(step(1, 5.0));
            m.step(step(2, 4.0));
            m.eval(2, 4.5);
        }
        LossHistory h = LossHistory.read(csv);
        assertThat(h.trainSteps()).containsExactly(1, 2);
        assertThat(h.trainLoss()).containsExactly(5.0, 4.0);
        assertThat(h.valSteps()).containsExactly(2);
        assertThat(h.lastValLoss()).isEqualTo(4.5);
    }

    @Test
    void aResumedRunDropsTheRowsPastItsCheckpointAndAppends() throws Exception {
        Path csv = dir.resolve(Trainer.METRICS);
        try (MetricsCsv m = new MetricsCsv(csv, false)) {
            for (int s = 1; s <= 5; s++) {
                m.step(step(s, 10 - s));
            }
            m.eval(4, 6.5); // e.g. an evaluation after the step-4 checkpoint, then a crash at step 5
        }
        try (MetricsCsv m = new MetricsCsv(csv, true, 3)) {
            m.step(step(4, 1.0));
        }
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + 4);
        LossHistory h = LossHistory.read(csv);
        assertThat(h.trainSteps()).containsExactly(1, 2, 3, 4);
        assertThat(h.trainLoss()).containsExactly(9.0, 8.0, 7.0, 1.0);
        assertThat(h.valSteps()).isEmpty();
    }

    @Test
    void aLineCutOffByACrashIsLeftOutWhenReadingAndWhenResuming() throws Exception {
        Path csv = Files.writeString(dir.resolve(Trainer.METRICS), MetricsCsv.HEADER + "\n1,5,,,,\n2,4,,,,\n3,3.5,0.001,");
        assertThat(LossHistory.read(csv).trainSteps()).containsExactly(1, 2);
        try (MetricsCsv m = new MetricsCsv(csv, true, 2)) {
            m.step(step(3, 3.0));
        }
        assertThat(LossHistory.read(csv).trainLoss()).containsExactly(5.0, 4.0, 3.0);
        Path empty = Files.writeString(dir.resolve("empty.csv"), "step,lo");
        try (MetricsCsv m = new MetricsCsv(empty, true, 0)) {
            m.step(step(1, 3.0));
        }
        assertThat(LossHistory.read(empty).trainSteps()).containsExactly(1);
    }

    @Test
    void replayedStepsKeepTheLaterRow() throws Exception {
        Path csv = Files.writeString(dir.resolve("m.csv"), MetricsCsv.HEADER + "\n1,5,,,,\n2,4,,,,\n2,3,,,,\n3,2,,,,\n");
        assertThat(LossHistory.read(csv).trainLoss()).containsExactly(5.0, 3.0, 2.0);
    }

    @Test
    void aBadRowIsNamedWithTheFileAndOffset() throws Exception {
        Path csv = Files.writeString(dir.resolve("bad.csv"), MetricsCsv.HEADER + "\n1,5,,,,\n2,x,,,,\n");
        assertThatThrownBy(() -> LossHistory.read(csv)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bad.csv").hasMessageContaining("offset " + (MetricsCsv.HEADER.length() + 9))
                .hasMessageContaining("2,x");
        Path noHeader = Files.writeString(dir.resolve("plain.csv"), "a,b\n");
        assertThatThrownBy(() -> LossHistory.read(noHeader)).hasMessageContaining("header");
    }
}
