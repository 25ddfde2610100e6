package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.tensor.WeightMatrix;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The start-up warm-up on the real TinyStories-656K (Q8_0 matrices, F32 norms). */
class ModelWarmUpTest {
    private static TinyStories.Loaded tiny;
    private static GgufFile file;
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        tiny = TinyStories.Loaded.open(2);
        file = tiny.file();
        model = tiny.model();
    }

    @AfterAll
    static void close() {
        if (tiny != null) {
            tiny.close();
        }
    }

    @Test
    void samplesAreTheFirstRowsOfOneTensorPerWeightType() {
        List<WeightMatrix> samples = ModelWarmUp.samples(file);
        assertThat(samples).extracting(WeightMatrix::type).doesNotHaveDuplicates().contains(GgmlType.Q8_0);
        for (WeightMatrix w : samples) {
            GgufTensorInfo first = file.tensors().stream()
                    .filter(t -> t.dims() >= 2 && t.type() == w.type()).findFirst().orElseThrow();
            assertThat(w.cols()).isEqualTo(first.ne(0));
            assertThat(w.rows()).isEqualTo((int) Math.min(ModelWarmUp.ROWS, first.ne(1)));
            float[] expected = new float[w.cols()];
            float[] actual = new float[w.cols()];
            WeightMatrix.of(file, first.name()).dequantizeRow(w.rows() - 1, expected, 0);
            w.dequantizeRow(w.rows() - 1, actual, 0);
            assertThat(actual).containsExactly(expected);
        }
    }

    @Test
    void smallModelsAreNotWarmedUp() {
        assertThat(file.fileSize()).isLessThan(ModelWarmUp.MIN_FILE_BYTES);
        ModelWarmUp w = model.warmUp().start();
        assertThat(w.isDone()).isTrue();
        assertThat(w.elapsedNanos()).isEqualTo(-1);
    }

    @Test
    void runsToTheEndInTheBackgroundAndLeavesResultsUnchanged() {
        int[] prompt = {1, 80, 147, 201, 282};
        float[] before = model.forward(model.newState(16), prompt, 0, prompt.length, false).clone();
        ModelWarmUp w = new ModelWarmUp(ModelWarmUp.samples(file), model.config().dim()).start();
        w.await();
        assertThat(w.isDone()).isTrue();
        assertThat(w.elapsedNanos()).isGreaterThanOrEqualTo(0);
        w.close();
        assertThat(model.forward(model.newState(16), prompt, 0, prompt.length, false)).containsExactly(before);
    }

    @Test
    void closeStopsARunningWarmUp() {
        ModelWarmUp w = new ModelWarmUp(ModelWarmUp.samples(file), model.config().dim()).start();
        w.close();
        assertThat(w.isDone()).isTrue();
        w.start(); // a closed warm-up does not start again
        assertThat(w.isDone()).isTrue();
    }

    @Test
    void roundClockSeesTheDropToCompiledRounds() {
        ModelWarmUp.RoundClock clock = new ModelWarmUp.RoundClock();
        long[] slow = {900, 100, 120, 80, 110, 95, 60, 70}; // round 0 loads classes; C1 rounds vary
        for (long r : slow) {
            assertThat(clock.compiled(r)).isFalse();
        }
        for (int i = 1; i < ModelWarmUp.RoundClock.FAST_ROUNDS; i++) {
            assertThat(clock.compiled(5)).isFalse();
        }
        assertThat(clock.compiled(50)).isFalse(); // not yet fast: the run starts again
        for (int i = 1; i < ModelWarmUp.RoundClock.FAST_ROUNDS; i++) {
            assertThat(clock.compiled(4)).isFalse();
        }
        assertThat(clock.compiled(4)).isTrue();
    }
}
