package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage runners chained in one process give Model.forward's logits bit for bit, for every split. */
class StageRunnerTest {
    private static final int LAYERS = 4;
    private static final int CONTEXT = 64;

    @TempDir
    static Path dir;
    static GgufFile file;
    static Compute compute;
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        Path path = dir.resolve("four-layers.gguf");
        SyntheticModel.write(new SyntheticSpec(SyntheticArch.LLAMA, 64, LAYERS, 4, 2, 16, 192, 300, 256, 0, 0, 0, 0,
                10000f, GgmlType.F32, false, 3), path);
        file = GgufFile.open(path);
        compute = new Compute(1);
        model = Model.load(file, compute);
    }

    @AfterAll
    static void close() {
        compute.close();
        file.close();
    }

    /** Every way to cut the layers into contiguous stages: the cut points as a bit mask. */
    private static List<int[]> splits() {
        List<int[]> splits = new ArrayList<>();
        for (int mask = 0; mask < 1 << (LAYERS - 1); mask++) {
            List<Integer> bounds = new ArrayList<>(List.of(0));
            for (int l = 1; l < LAYERS; l++) {
                if ((mask & 1 << (l - 1)) != 0) {
                    bounds.add(l);
                }
            }
            bounds.add(LAYERS);
            splits.add(bounds.stream().mapToInt(Integer::intValue).toArray());
        }
        return splits;
    }

    private static Message runThrough(List<StageRunner> stages, Message in) {
        Message message = in;
        for (StageRunner stage : stages) {
            message = stage.process(message);
        }
        return message;
    }

    @Test
    void everySplitGivesTheSingleModelLogitsForTwoInterleavedSequences() {
        int[] a = {1, 17, 250, 3, 99};
        int[] b = {1, 42};
        InferenceState stateA = model.newState(CONTEXT);
        InferenceState stateB = model.newState(CONTEXT);
        float[] promptA = model.forward(stateA, a, 0, a.length, false).clone();
        float[] promptB = model.forward(stateB, b, 0, b.length, false).clone();
        float[] nextA = model.forward(stateA, new int[] {7}, 0, 1, false).clone();
        float[] nextB = model.forward(stateB, new int[] {8}, 0, 1, false).clone();
        for (int[] bounds : splits()) {
            List<StageRunner> stages = new ArrayList<>();
            for (int s = 0; s + 1 < bounds.length; s++) {
                stages.add(new StageRunner(model.stage(bounds[s], bounds[s + 1]), 64, 300, CONTEXT));
            }
            int[] ids = {0, 0, 0, 0, 0, 1, 1};
            int[] positions = {0, 1, 2, 3, 4, 0, 1};
            int[] tokens = {1, 17, 250, 3, 99, 1, 42};
            Message.Logits prompt = (Message.Logits) runThrough(stages, new Message.TokenBatch(1, 0, ids, positions,
                    tokens));
            assertThat(prompt.sequenceIds()).containsExactly(0, 1);
            String split = Arrays.toString(bounds);
            assertThat(Arrays.copyOfRange(prompt.values(), 0, 300)).as(split).containsExactly(promptA);
            assertThat(Arrays.copyOfRange(prompt.values(), 300, 600)).as(split).containsExactly(promptB);
            Message.Logits next = (Message.Logits) runThrough(stages, new Message.TokenBatch(2, 0, new int[] {1, 0},
                    new int[] {2, 5}, new int[] {8, 7}));
            assertThat(next.sequenceIds()).containsExactly(1, 0);
            assertThat(Arrays.copyOfRange(next.values(), 0, 300)).as(split).containsExactly(nextB);
            assertThat(Arrays.copyOfRange(next.values(), 300, 600)).as(split).containsExactly(nextA);
        }
    }

    @Test
    void aBatchThatDoesNotContinueTheStateIsAnErrorThatTravelsOn() {
        StageRunner first = new StageRunner(model.stage(0, 2), 64, 300, CONTEXT);
        StageRunner last = new StageRunner(model.stage(2, LAYERS), 64, 300, CONTEXT);
        Message error = runThrough(List.of(first, last), new Message.TokenBatch(5, 0, new int[] {3}, new int[] {4},
                new int[] {1}));
        assertThat(error).isInstanceOfSatisfying(Message.Error.class, e -> {
            assertThat(e.requestId()).isEqualTo(5);
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.message()).contains("sequence 3 continues at position 4 but this stage holds no state");
        });
    }

    @Test
    void releaseDropsTheStatesOnEveryStage() {
        StageRunner first = new StageRunner(model.stage(0, 1), 64, 300, CONTEXT);
        StageRunner last = new StageRunner(model.stage(1, LAYERS), 64, 300, CONTEXT);
        runThrough(List.of(first, last), new Message.TokenBatch(1, 0, new int[] {0, 1}, new int[] {0, 0},
                new int[] {1, 1}));
        assertThat(first.sequences()).isEqualTo(2);
        assertThat(runThrough(List.of(first, last), new Message.Release(2, new int[] {0}))).isInstanceOf(
                Message.Release.class);
        assertThat(first.sequences()).isEqualTo(1);
        assertThat(last.sequences()).isEqualTo(1);
    }
}
