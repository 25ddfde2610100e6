package io.flotilla.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.sched.SchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine with one batched forward per step over the paged cache: batching, chunking,
 * preemption and prefix caching give the tokens of one-at-a-time greedy decoding, on the real
 * TinyStories model and on a synthetic Qwen3-MoE model (Q8_0).
 */
class BatchExecutorTest {
    private static final int CONTEXT = 128;
    private static final List<AutoCloseable> OPEN = new ArrayList<>();
    private static Model tinyStories;
    private static Model synthetic;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        // batch-invariant: the engine's tokens must equal a greedy reference that runs the prompt in other
        // chunks (a prefix from the cache, a prompt split by the budget); through the float GEMM a token's
        // logits depend on its chunk within float rounding, and greedy text can flip on a near-tie
        Compute compute = new Compute(2).batchInvariant(true);
        OPEN.add(compute);
        Path shared = Path.of(System.getProperty("flotilla.shared", "../shared")).toAbsolutePath().normalize();
        Path gguf = shared.resolve("models/tinystories-656k/TinyStories-656K-Q8_0.gguf");
        if (Files.exists(gguf)) {
            GgufFile f = GgufFile.open(gguf);
            OPEN.add(f);
            tinyStories = Model.load(f, compute);
        }
        Path synth = tmp.resolve("tiny-qwen3-moe.gguf");
        SyntheticModel.write(SyntheticSpec.preset("tiny-qwen3-moe", GgmlType.Q8_0), synth);
        GgufFile f = GgufFile.open(synth);
        OPEN.add(f);
        synthetic = Model.load(f, compute);
    }

    @AfterAll
    static void close() throws Exception {
        for (int i = OPEN.size() - 1; i >= 0; i--) {
            OPEN.get(i).close();
        }
        OPEN.clear();
    }

    private static Model tinyStories() {
        assumeTrue(tinyStories != null, "../shared/models/tinystories-656k not found: skipping");
        return tinyStories;
    }

    @Test
    void batchedChunkedGenerationMatchesTokenByTokenDecoding() {
        for (Model model : models()) {
            int[][] prompts = {prompt(20, 1, model), prompt(7, 2, model), prompt(33, 3, model)};
            // budget 16: the 33-token prompt is prefilled in chunks while the others decode
            Run run = runEngine(model, new SchedulerConfig(16, 8, CONTEXT, Set.of(), false),
                    new KvCacheConfig(64, 16, true), prompts, new int[3], 8);
            for (int i = 0; i < prompts.length; i++) {
                assertThat(run.tokens.get(i)).as("request %d", i).isEqualTo(greedyReference(model, prompts[i], 8));
            }
        }
    }

    @Test
    void preemptionAndRecomputationKeepTheSameTokens() {
        for (Model model : models()) {
            int[][] prompts = {prompt(12, 4, model), prompt(12, 5, model)};
            // 4 blocks of 8 = 32 slots for two sequences growing to 22 tokens each
            Run run = runEngine(model, new SchedulerConfig(64, 4, 32, Set.of(), false),
                    new KvCacheConfig(4, 8, true), prompts, new int[2], 10);
            assertThat(run.preemptions).as("the small pool forces preemption").isPositive();
            assertThat(run.tokens.get(0)).isEqualTo(greedyReference(model, prompts[0], 10));
            assertThat(run.tokens.get(1)).isEqualTo(greedyReference(model, prompts[1], 10));
        }
    }

    @Test
    void aSharedPrefixIsReadFromTheCacheAndGivesTheSameTokens() {
        for (Model model : models()) {
            int[] a = prompt(40, 6, model);
            int[] b = Arrays.copyOf(a, 45); // shares two full blocks of 16 with a, then differs
            int[] tail = prompt(14, 7, model);
            System.arraycopy(tail, 1, b, 32, 13);
            int[] c = a.clone(); // the same prompt again, after a finished
            // b joins while a decodes, c after both finished
            Run run = runEngine(model, new SchedulerConfig(64, 8, CONTEXT, Set.of(), false),
                    new KvCacheConfig(32, 16, true), new int[][] {a, b, c}, new int[] {0, 3, 30}, 6);
            assertThat(run.prefixHits).as("b reuses 32 tokens, c 32").isEqualTo(64);
            assertThat(run.tokens.get(0)).isEqualTo(greedyReference(model, a, 6));
            assertThat(run.tokens.get(1)).isEqualTo(greedyReference(model, b, 6));
            assertThat(run.tokens.get(2)).isEqualTo(run.tokens.get(0));
        }
    }

    @Test
    void anAbortedRequestFreesItsBlocksAndLeavesTheOthersUnchanged() {
        Model model = synthetic;
        int[] a = prompt(30, 8, model);
        int[] b = prompt(25, 9, model);
        EngineConfig config = new EngineConfig(new SchedulerConfig(64, 8, CONTEXT, Set.of(), false),
                new KvCacheConfig(32, 16, true));
        EngineCore engine = new EngineCore(config, new BatchExecutor(model, config));
        RequestOutputQueue qa = engine.addRequest(new Request("a", a, SamplingParams.greedy(20).withIgnoreEos(true),
                "t", engine.now()));
        RequestOutputQueue qb = engine.addRequest(new Request("b", b, SamplingParams.greedy(6).withIgnoreEos(true),
                "t", engine.now()));
        for (int i = 0; i < 3; i++) {
            engine.step();
        }
        assertThat(engine.stats().kvCache().usedBlocks()).isPositive();
        engine.abort("a");
        for (int i = 0; i < 100 && engine.hasWork(); i++) {
            engine.step();
        }
        assertThat(engine.stats().kvCache().usedBlocks()).isZero();
        assertThat(collect(qa)).hasSizeLessThan(20);
        assertThat(collect(qb)).isEqualTo(greedyReference(model, b, 6));
    }

    private static List<Model> models() {
        return tinyStories != null ? List.of(tinyStories, synthetic) : List.of(synthetic);
    }

    private static int[] prompt(int length, int salt, Model model) {
        int vocab = model.config().vocabSize();
        int[] p = new int[length];
        p[0] = 1; // BOS
        for (int i = 1; i < length; i++) {
            p[i] = 3 + (i * 37 + salt * 101) % (Math.min(vocab, 1500) - 3);
        }
        return p;
    }

    /** Token-by-token greedy decoding with the model alone. */
    static List<Integer> greedyReference(Model model, int[] prompt, int n) {
        InferenceState s = model.newState(CONTEXT);
        float[] logits = model.forward(s, prompt, 0, prompt.length, false);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            out.add(best);
            logits = model.forward(s, new int[] {best}, 0, 1, false);
        }
        return out;
    }

    private record Run(List<List<Integer>> tokens, long preemptions, long prefixHits) {
    }

    /** Runs the prompts through an engine; prompt i is added before step {@code joinAt[i]}. */
    private static Run runEngine(Model model, SchedulerConfig sched, KvCacheConfig kv, int[][] prompts,
                                 int[] joinAt, int n) {
        EngineConfig config = new EngineConfig(sched, kv);
        EngineCore engine = new EngineCore(config, new BatchExecutor(model, config));
        List<RequestOutputQueue> queues = new ArrayList<>();
        for (int step = 0; step < 1000 && (queues.size() < prompts.length || engine.hasWork()); step++) {
            for (int i = 0; i < prompts.length; i++) {
                if (joinAt[i] == step) {
                    queues.add(engine.addRequest(new Request("r" + i, prompts[i],
                            SamplingParams.greedy(n).withIgnoreEos(true), "t", engine.now())));
                }
            }
            engine.step();
        }
        assertThat(engine.stats().kvCache().usedBlocks()).as("every block is free at the end").isZero();
        List<List<Integer>> tokens = queues.stream().map(BatchExecutorTest::collect).toList();
        return new Run(tokens, engine.stats().preemptions(), engine.stats().kvCache().prefixHits());
    }

    /** The tokens of every output in the queue so far. */
    static List<Integer> collect(RequestOutputQueue q) {
        List<Integer> tokens = new ArrayList<>();
        for (RequestOutput o; (o = q.poll()) != null; ) {
            for (int t : o.newTokenIds()) {
                tokens.add(t);
            }
        }
        return tokens;
    }
}
