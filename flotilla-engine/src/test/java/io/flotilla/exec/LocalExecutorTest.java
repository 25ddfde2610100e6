package io.flotilla.exec;

import static io.flotilla.exec.BatchExecutorTest.greedyReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.Model;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.testkit.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine with the real TinyStories model: batching, chunking and preemption do not change greedy output. */
class LocalExecutorTest {
    private static final int CONTEXT = 128;
    private static GgufFile file;
    private static Compute compute;
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(SharedData.tinyStoriesGguf());
        compute = new Compute(1);
        model = Model.load(file, compute);
    }

    @AfterAll
    static void close() throws Exception {
        if (compute != null) {
            compute.close();
        }
        if (file != null) {
            file.close();
        }
    }

    private static int[] prompt(int length, int salt) {
        int[] p = new int[length];
        p[0] = 1; // BOS
        for (int i = 1; i < length; i++) {
            p[i] = 100 + (i * 37 + salt * 101) % 1500;
        }
        return p;
    }

    private static List<List<Integer>> runEngine(SchedulerConfig sched, KvCacheConfig kv, int[][] prompts, int n) {
        LocalExecutor executor = new LocalExecutor(model, CONTEXT);
        EngineCore engine = new EngineCore(new EngineConfig(sched, kv), executor);
        List<RequestOutputQueue> queues = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            queues.add(engine.addRequest(new Request("r" + i, prompts[i], SamplingParams.greedy(n).withIgnoreEos(true),
                    "t", engine.now())));
        }
        for (int i = 0; i < 1000 && engine.hasWork(); i++) {
            engine.step();
        }
        assertThat(engine.stats().kvCache().usedBlocks()).isZero();
        assertThat(executor.numStates()).isZero();
        if (kv.numBlocks() <= 4) {
            assertThat(engine.stats().preemptions()).as("the small pool forces preemption").isPositive();
        }
        return queues.stream().map(BatchExecutorTest::collect).toList();
    }

    @Test
    void batchedChunkedGenerationMatchesTokenByTokenDecoding() {
        int[][] prompts = {prompt(20, 1), prompt(7, 2), prompt(33, 3)};
        // budget 16: the 33-token prompt is prefilled in chunks while the others decode
        List<List<Integer>> got = runEngine(new SchedulerConfig(16, 8, CONTEXT, Set.of(2), false),
                new KvCacheConfig(64, 16, false), prompts, 8);
        for (int i = 0; i < prompts.length; i++) {
            assertThat(got.get(i)).as("request %d", i).isEqualTo(greedyReference(model, prompts[i], 8));
        }
    }

    @Test
    void preemptionAndRecomputationKeepTheSameTokens() {
        int[][] prompts = {prompt(12, 4), prompt(12, 5)};
        // 4 blocks of 8 = 32 slots for two sequences growing to 22 tokens each
        List<List<Integer>> got = runEngine(new SchedulerConfig(64, 4, 32, Set.of(2), false),
                new KvCacheConfig(4, 8, false), prompts, 10);
        assertThat(got.get(0)).isEqualTo(greedyReference(model, prompts[0], 10));
        assertThat(got.get(1)).isEqualTo(greedyReference(model, prompts[1], 10));
    }

    @Test
    void refusesAChunkItsStateDoesNotContinue() {
        LocalExecutor executor = new LocalExecutor(model, CONTEXT);
        var seq = new io.flotilla.sched.ScheduledSequence("x", new int[] {5}, 32, new int[] {0, 1, 2}, true,
                SamplingParams.greedy(1), 33, new int[0]);
        var step = new io.flotilla.sched.SchedulerOutput(0, List.of(seq), 1, 16, List.of(), List.of());
        assertThatThrownBy(() -> executor.execute(step)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("prefix caching off");
    }
}
