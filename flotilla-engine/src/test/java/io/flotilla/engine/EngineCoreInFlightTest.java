package io.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.exec.Executor;
import io.flotilla.exec.InFlightExecutor;
import io.flotilla.exec.ScriptedExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.sched.SchedulerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link EngineCore} with an executor that keeps several steps in flight ({@link InFlightExecutor}):
 * the steps hold disjoint sequences, the tokens are those of one step at a time, and aborts,
 * preemption and executor failures still end every request once with its blocks freed.
 */
class EngineCoreInFlightTest {
    private static final int EOS = 2;
    private final AtomicLong clock = new AtomicLong();

    private EngineCore engine(Executor executor, int numBlocks, int blockSize) {
        return new EngineCore(new EngineConfig(new SchedulerConfig(64, 8, Math.min(256, numBlocks * blockSize), Set.of(EOS), false),
                new KvCacheConfig(numBlocks, blockSize, true)), executor, clock::get);
    }

    private static Request request(String id, int promptLength, int maxTokens) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = 10 + i + id.hashCode() % 7;
        }
        return new Request(id, prompt, SamplingParams.greedy(maxTokens), "t", 0);
    }

    /** Adds the requests, steps until done; every output by request id. */
    private Map<String, List<RequestOutput>> run(EngineCore engine, List<Request> requests) {
        Map<String, List<RequestOutput>> outputs = new LinkedHashMap<>();
        for (Request r : requests) {
            engine.addRequest(r, out -> outputs.computeIfAbsent(out.requestId(), k -> new ArrayList<>()).add(out));
        }
        for (int i = 0; i < 500 && engine.hasWork(); i++) {
            engine.step();
            clock.addAndGet(1_000);
        }
        assertThat(engine.hasWork()).isFalse();
        return outputs;
    }

    private static List<Request> mixed() {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(request("r" + i, 3 + 5 * i, 4 + (i * 3) % 7));
        }
        return requests;
    }

    private static Map<String, List<Integer>> tokens(Map<String, List<RequestOutput>> outputs) {
        Map<String, List<Integer>> tokens = new LinkedHashMap<>();
        outputs.forEach((id, list) -> tokens.put(id, list.stream()
                .flatMap(o -> java.util.Arrays.stream(o.newTokenIds()).boxed()).toList()));
        return tokens;
    }

    private static void assertClean(EngineCore engine) {
        assertThat(engine.stats().kvCache().usedBlocks()).isZero();
        assertThat(engine.hasUnfinishedRequests()).isFalse();
    }

    @Test
    void twoStepsInFlightHoldDisjointHalvesAndGiveTheTokensOfOneStepAtATime() {
        EngineCore alone = engine(new ScriptedExecutor(), 64, 16);
        Map<String, List<Integer>> expected = tokens(run(alone, mixed()));
        InFlightExecutor executor = new InFlightExecutor(new ScriptedExecutor(), 2);
        EngineCore engine = engine(executor, 64, 16);

        Map<String, List<RequestOutput>> outputs = run(engine, mixed());

        assertThat(executor.violations).isEmpty();
        assertThat(executor.maxInFlightSeen).isEqualTo(2);
        assertThat(tokens(outputs)).isEqualTo(expected);
        assertThat(outputs.values()).allSatisfy(list ->
                assertThat(list.getLast().finishReason()).isEqualTo(FinishReason.LENGTH));
        // once all 8 run, each step takes at most half of them
        assertThat(executor.script.plans).allSatisfy(plan -> assertThat(plan.sequences()).hasSizeLessThanOrEqualTo(4));
        assertClean(engine);
    }

    @Test
    void oneStepInFlightIsTheOneStepLoop() {
        ScriptedExecutor plain = new ScriptedExecutor();
        run(engine(plain, 64, 16), mixed());
        InFlightExecutor one = new InFlightExecutor(new ScriptedExecutor(), 1);
        run(engine(one, 64, 16), mixed());
        assertThat(one.script.plans).hasSameSizeAs(plain.plans);
        for (int i = 0; i < plain.plans.size(); i++) {
            assertThat(one.script.plans.get(i).sequences()).extracting(s -> s.requestId() + "@" + s.startPosition())
                    .isEqualTo(plain.plans.get(i).sequences().stream()
                            .map(s -> s.requestId() + "@" + s.startPosition()).toList());
        }
    }

    @Test
    void anAbortWhileItsStepIsInFlightEndsTheRequestOnce() {
        InFlightExecutor executor = new InFlightExecutor(new ScriptedExecutor(), 2);
        EngineCore engine = engine(executor, 64, 16);
        Map<String, List<RequestOutput>> outputs = new LinkedHashMap<>();
        for (Request r : List.of(request("a", 4, 20), request("b", 4, 20))) {
            engine.addRequest(r, out -> outputs.computeIfAbsent(out.requestId(), k -> new ArrayList<>()).add(out));
        }
        engine.step(); // a's step and b's step submitted, a's completed: b's is in flight
        engine.step(); // a's next submitted, b's completed
        engine.step(); // b's next submitted, a's completed: b is in flight
        engine.abort("b");
        for (int i = 0; i < 100 && engine.hasWork(); i++) {
            engine.step();
        }

        assertThat(executor.violations).isEmpty();
        List<RequestOutput> b = outputs.get("b");
        assertThat(b.stream().filter(RequestOutput::finished)).singleElement()
                .extracting(RequestOutput::finishReason).isEqualTo(FinishReason.ABORT);
        assertThat(b.getLast().finishReason()).isEqualTo(FinishReason.ABORT);
        assertThat(outputs.get("a").getLast().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(outputs.get("a").getLast().numOutputTokens()).isEqualTo(20);
        assertClean(engine);
    }

    @Test
    void preemptionSparesSequencesInFlightAndRecomputesTheSameTokens() {
        // 12 blocks of 4 tokens, 4 requests growing to 6 + 12 = 18 tokens (5 blocks): some must be preempted
        List<Request> requests = List.of(request("a", 6, 12), request("b", 6, 12), request("c", 6, 12),
                request("d", 6, 12));
        Map<String, List<Integer>> expected = tokens(run(engine(new ScriptedExecutor(), 64, 4), requests));
        InFlightExecutor executor = new InFlightExecutor(new ScriptedExecutor(), 2);
        EngineCore engine = engine(executor, 12, 4);

        Map<String, List<RequestOutput>> outputs = run(engine, requests);

        assertThat(executor.violations).isEmpty();
        assertThat(engine.stats().preemptions()).isPositive();
        assertThat(tokens(outputs)).isEqualTo(expected);
        assertClean(engine);
    }

    @Test
    void aFailedStepFailsEveryStepInFlightAndTheEngineServesOn() {
        // a's and b's steps in flight; the second await (b's) fails while a's next step is in flight
        InFlightExecutor executor = new InFlightExecutor(new ScriptedExecutor(), 2).failingAwait(1);
        EngineCore engine = engine(executor, 64, 16);
        Map<String, List<RequestOutput>> outputs = run(engine, List.of(request("a", 4, 9), request("b", 4, 9)));

        assertThat(outputs).hasSize(2);
        assertThat(outputs.values()).allSatisfy(list -> {
            assertThat(list.stream().filter(RequestOutput::finished)).hasSize(1);
            assertThat(list.getLast().finishReason()).isEqualTo(FinishReason.ERROR);
        });
        assertClean(engine);
        Map<String, List<RequestOutput>> after = run(engine, List.of(request("next", 5, 3)));
        assertThat(after.get("next").getLast().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertClean(engine);
    }
}
