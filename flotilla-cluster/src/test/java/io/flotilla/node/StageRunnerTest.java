package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.KvPaging;
import io.flotilla.wire.Message;
import io.flotilla.wire.StageSpan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage runners chained in one process give Model.forward's logits bit for bit, for every split, prefix sharing included. */
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

    private static List<StageRunner> runners(int[] bounds) {
        List<StageRunner> stages = new ArrayList<>();
        for (int s = 0; s + 1 < bounds.length; s++) {
            stages.add(new StageRunner("node-" + s, model.stage(bounds[s], bounds[s + 1]), 64, 300, CONTEXT));
        }
        return stages;
    }

    /** Blocks of 4 positions, 16 of them, passes of up to 16 tokens; the chunks' tables and logits flags. */
    private static KvPaging paging(int[][] tables, boolean... logits) {
        return new KvPaging(16, 4, 16, tables, logits);
    }

    private static float[] single(int[] tokens) {
        return model.forward(model.newState(CONTEXT), tokens, 0, tokens.length, false).clone();
    }

    @Test
    void everySplitGivesTheSingleModelLogitsForTwoInterleavedSequences() {
        float[] promptA = single(new int[] {1, 17, 250, 3, 99});
        float[] promptB = single(new int[] {1, 42});
        float[] nextA = single(new int[] {1, 17, 250, 3, 99, 7});
        float[] nextB = single(new int[] {1, 42, 8});
        int[] tableA = {5, 2};
        int[] tableB = {9};
        for (int[] bounds : splits()) {
            List<StageRunner> stages = runners(bounds);
            int[] ids = {0, 0, 0, 0, 0, 1, 1};
            int[] positions = {0, 1, 2, 3, 4, 0, 1};
            int[] tokens = {1, 17, 250, 3, 99, 1, 42};
            Message.Logits prompt = (Message.Logits) runThrough(stages, new Message.TokenBatch(1, 0, ids, positions,
                    tokens, paging(new int[][] {tableA, tableB}, true, true), ""));
            assertThat(prompt.sequenceIds()).containsExactly(0, 1);
            assertThat(prompt.spans()).isEmpty();
            String split = Arrays.toString(bounds);
            assertThat(Arrays.copyOfRange(prompt.values(), 0, 300)).as(split).containsExactly(promptA);
            assertThat(Arrays.copyOfRange(prompt.values(), 300, 600)).as(split).containsExactly(promptB);
            Message.Logits next = (Message.Logits) runThrough(stages, new Message.TokenBatch(2, 0, new int[] {1, 0},
                    new int[] {2, 5}, new int[] {8, 7}, paging(new int[][] {tableB, tableA}, true, true), ""));
            assertThat(next.sequenceIds()).containsExactly(1, 0);
            assertThat(Arrays.copyOfRange(next.values(), 0, 300)).as(split).containsExactly(nextB);
            assertThat(Arrays.copyOfRange(next.values(), 300, 600)).as(split).containsExactly(nextA);
        }
    }

    @Test
    void aPromptAfterAPrefixAnotherSequenceComputedReusesItsBlocksOnEveryStage() {
        int[] first = {1, 17, 250, 3, 99, 5, 6, 7, 8};
        float[] expected = single(new int[] {1, 17, 250, 3, 99, 5, 6, 7, 11, 12});
        List<StageRunner> stages = runners(new int[] {0, 1, 3, LAYERS});
        int[] positions = new int[first.length];
        Arrays.setAll(positions, p -> p);
        Message.Logits a = (Message.Logits) runThrough(stages, new Message.TokenBatch(1, 0, new int[first.length],
                positions, first, paging(new int[][] {{3, 8, 1}}, false), ""));
        assertThat(a.sequenceIds()).isEmpty();
        // sequence 1 shares the two full blocks 3 and 8 (positions 0-7) and goes on in its own block 4
        Message.Logits b = (Message.Logits) runThrough(stages, new Message.TokenBatch(2, 0, new int[] {1, 1},
                new int[] {8, 9}, new int[] {11, 12}, paging(new int[][] {{3, 8, 4}}, true), ""));
        assertThat(b.sequenceIds()).containsExactly(1);
        assertThat(b.values()).containsExactly(expected);
    }

    @Test
    void aTracedBatchCollectsOneSpanPerStage() {
        List<StageRunner> stages = runners(new int[] {0, 1, 3, LAYERS});
        Message.Logits out = (Message.Logits) runThrough(stages, new Message.TokenBatch(1, 0, new int[] {0, 0},
                new int[] {0, 1}, new int[] {1, 17}, paging(new int[][] {{0}}, true),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assertThat(out.spans()).extracting(StageSpan::nodeId).containsExactly("node-0", "node-1", "node-2");
        assertThat(out.spans()).extracting(StageSpan::firstLayer).containsExactly(0, 1, 3);
        assertThat(out.spans()).allSatisfy(span -> {
            assertThat(span.tokens()).isEqualTo(2);
            assertThat(span.endEpochNanos()).isGreaterThanOrEqualTo(span.startEpochNanos());
        });
    }

    @Test
    void aBatchWhoseChunksDoNotMatchItsBlockTablesIsAnErrorThatTravelsOn() {
        List<StageRunner> stages = runners(new int[] {0, 2, LAYERS});
        Message error = runThrough(stages, new Message.TokenBatch(5, 0, new int[] {3, 4}, new int[] {0, 0},
                new int[] {1, 1}, paging(new int[][] {{0}}, true), ""));
        assertThat(error).isInstanceOfSatisfying(Message.Error.class, e -> {
            assertThat(e.requestId()).isEqualTo(5);
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.message()).contains("more chunks than its 1 block tables");
        });
        Message unpaged = runThrough(stages, new Message.TokenBatch(6, 0, new int[] {3}, new int[] {0},
                new int[] {1}, KvPaging.NONE, ""));
        assertThat(unpaged).isInstanceOfSatisfying(Message.Error.class,
                e -> assertThat(e.message()).contains("without a paged K/V layout"));
    }

    @Test
    void releasePassesThrough() {
        assertThat(runThrough(runners(new int[] {0, 1, LAYERS}), new Message.Release(2, new int[] {0})))
                .isInstanceOf(Message.Release.class);
    }
}
