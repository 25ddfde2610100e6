package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.Executor;
import io.flotilla.exec.LocalExecutor;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.Model;
import io.flotilla.testkit.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefix caching through a pipeline of node processes: requests that share full blocks with an
 * earlier one start after them on every stage, give the single-node tokens, and still do after a
 * stage is killed (the new stages rebuild the cached prefix from its tokens).
 */
class PipelinePrefixTest {
    /** 37 shared tokens: two full blocks of 16 are reused, the third is not full. */
    private static final int[] PREFIX = {1, 15, 200, 37, 99, 4, 8, 16, 23, 42, 108, 77, 5, 6, 7, 9, 10, 11, 12, 13,
            30, 31, 32, 33, 34, 35, 36, 38, 39, 40, 41, 43, 44, 45, 46, 47, 48};
    private static final int[][] PROMPTS = {with(250, 3, 17), with(120, 60), with(2)};
    private static final int TOKENS = 8;

    @TempDir
    static Path dir;
    static Path synthetic;

    private ClusterFixture cluster;

    @BeforeAll
    static void models() throws IOException {
        synthetic = PipelineTest.writeSynthetic(dir);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static int[] with(int... suffix) {
        int[] prompt = Arrays.copyOf(PREFIX, PREFIX.length + suffix.length);
        System.arraycopy(suffix, 0, prompt, PREFIX.length, suffix.length);
        return prompt;
    }

    static EngineConfig engineConfig(boolean prefixCaching) {
        EngineConfig base = ClusterFixture.engineConfig();
        return new EngineConfig(base.scheduler(), new KvCacheConfig(base.kvCache().numBlocks(),
                base.kvCache().blockSize(), prefixCaching));
    }

    /** Greedy tokens of each prompt, one request after the other; {@code cached} gets each one's prefix-cache hits. */
    static List<List<Integer>> inTurn(Executor executor, EngineConfig config, int[][] prompts, IntConsumer before,
                                      List<Integer> cached) {
        return inTurn(executor, config, prompts, before, (request, step) -> { }, cached);
    }

    /** As above; {@code afterStep} gets the request index and the step number within that request. */
    static List<List<Integer>> inTurn(Executor executor, EngineConfig config, int[][] prompts, IntConsumer before,
                                      java.util.function.BiConsumer<Integer, Integer> afterStep, List<Integer> cached) {
        EngineCore engine = new EngineCore(config, executor);
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            before.accept(i);
            RequestOutputQueue queue = engine.addRequest(new Request("p" + i, prompts[i],
                    SamplingParams.greedy(TOKENS).withIgnoreEos(true), "t", engine.now()));
            for (int step = 0; engine.hasWork(); step++) {
                engine.step();
                afterStep.accept(i, step);
            }
            List<Integer> tokens = new ArrayList<>();
            for (RequestOutput o; (o = queue.poll()) != null; ) {
                Arrays.stream(o.newTokenIds()).forEach(tokens::add);
                if (o.finished()) {
                    cached.add(o.stats().numCachedTokens());
                }
            }
            out.add(tokens);
        }
        return out;
    }

    /** One process, contiguous caches, no prefix caching. */
    private static List<List<Integer>> reference(Path model) throws IOException {
        try (GgufFile file = GgufFile.open(model); Compute compute = new Compute(1)) {
            return inTurn(new LocalExecutor(Model.load(file, compute), ClusterFixture.CONTEXT), engineConfig(false),
                    PROMPTS, i -> { }, new ArrayList<>());
        }
    }

    @Test
    void requestsSharingAPrefixReuseItsBlocksOnEveryStageAndGiveTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(2);
        long limit = PipelineTest.limitFor(model, 2);
        cluster.startNode("node-0", limit);
        cluster.startNode("node-1", limit);
        EngineConfig config = engineConfig(true);
        List<Integer> cached = new ArrayList<>();
        PipelineExecutor executor = new PipelineExecutor(coordinator, config, Duration.ofSeconds(60),
                Duration.ofSeconds(30));
        List<List<Integer>> got = inTurn(executor, config, PROMPTS, i -> { }, cached);
        assertThat(coordinator.status().stages()).hasSize(2);
        assertThat(cached).containsExactly(0, 32, 32);
        assertThat(executor.replays()).isZero();
        assertThat(got).isEqualTo(reference(model));
    }

    /** Three nodes of which two serve the synthetic model: the third stands by for a re-plan. */
    private Coordinator threeNodes() throws Exception {
        cluster = new ClusterFixture(synthetic, dir);
        Coordinator coordinator = cluster.startCoordinator(3);
        long limit = PipelineTest.limitFor(synthetic, 2);
        for (int i = 0; i < 3; i++) {
            cluster.startNode("node-" + i, limit);
        }
        return coordinator;
    }

    @Test
    void aRequestThatStartedFromACachedPrefixSurvivesAStageKilledMidGeneration() throws Exception {
        Coordinator coordinator = threeNodes();
        EngineConfig config = engineConfig(true);
        List<Integer> cached = new ArrayList<>();
        PipelineExecutor executor = new PipelineExecutor(coordinator, config, Duration.ofSeconds(60),
                Duration.ofSeconds(20));
        String[] victim = {null};
        List<List<Integer>> got = inTurn(executor, config, PROMPTS, i -> { }, (request, step) -> {
            if (request == 1 && step == 2) { // p1 runs on blocks p0 computed, then decodes
                victim[0] = coordinator.status().stages().getLast();
                cluster.processes.get(victim[0]).destroyForcibly();
            }
        }, cached);
        assertThat(cached).containsExactly(0, 32, 32);
        assertThat(executor.replays()).as("p1's prefix and own tokens replayed").isPositive();
        assertThat(coordinator.status().stages()).doesNotContain(victim[0]);
        assertThat(got).isEqualTo(reference(synthetic));
    }

    @Test
    void aCachedPrefixIsRebuiltOnTheNewStagesAfterAStageIsKilled() throws Exception {
        Coordinator coordinator = threeNodes();
        EngineConfig config = engineConfig(true);
        List<Integer> cached = new ArrayList<>();
        PipelineExecutor executor = new PipelineExecutor(coordinator, config, Duration.ofSeconds(60),
                Duration.ofSeconds(20));
        String[] victim = {null};
        List<List<Integer>> got = inTurn(executor, config, PROMPTS, i -> {
            if (i == 1) { // the prefix is cached; its blocks die with the stage
                victim[0] = coordinator.status().stages().getLast();
                cluster.processes.get(victim[0]).destroyForcibly();
            }
        }, cached);
        assertThat(cached).containsExactly(0, 32, 32);
        assertThat(executor.replays()).as("prefix passes replayed").isPositive();
        assertThat(coordinator.status().stages()).doesNotContain(victim[0]);
        assertThat(got).isEqualTo(reference(synthetic));
    }
}
