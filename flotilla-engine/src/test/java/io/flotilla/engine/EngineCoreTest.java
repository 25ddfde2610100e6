package io.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.exec.ScriptedExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineCoreTest {
    private static final int EOS = 2;
    private final AtomicLong clock = new AtomicLong();
    private final ScriptedExecutor executor = new ScriptedExecutor();
    private EngineCore engine = newEngine(executor);

    private EngineCore newEngine(io.flotilla.exec.Executor exec) {
        return new EngineCore(new EngineConfig(new SchedulerConfig(64, 8, 256, Set.of(EOS), false),
                new KvCacheConfig(32, 16, true)), exec, clock::get);
    }

    private Request request(String id, int promptLength, int maxTokens) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = 10 + i;
        }
        return new Request(id, prompt, SamplingParams.greedy(maxTokens), "t", clock.get());
    }

    @AfterEach
    void everyBlockIsFree() {
        var kv = engine.stats().kvCache();
        assertThat(kv.usedBlocks()).isZero();
        assertThat(kv.freeBlocks()).isEqualTo(kv.numBlocks());
        assertThat(engine.hasUnfinishedRequests()).isFalse();
    }

    private void runToCompletion() {
        for (int i = 0; i < 200 && engine.hasWork(); i++) {
            engine.step();
            clock.addAndGet(1_000);
        }
    }

    @Test
    void newRequestsJoinAtTheNextStep() {
        RequestOutputQueue first = engine.addRequest(request("a", 4, 5));
        engine.step();
        engine.step();
        RequestOutputQueue second = engine.addRequest(request("b", 4, 5));
        assertThat(executor.plans).hasSize(2);
        engine.step();
        SchedulerOutput third = executor.plans.get(2);
        assertThat(third.sequences()).extracting(s -> s.requestId()).containsExactly("a", "b");
        runToCompletion();
        assertThat(drain(first)).extracting(RequestOutput::numOutputTokens).containsExactly(1, 2, 3, 4, 5);
        List<RequestOutput> b = drain(second);
        assertThat(b.getLast().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(b.getLast().stats().queueNanos()).isEqualTo(0);
        assertThat(engine.stats().steps()).isEqualTo(7);
    }

    @Test
    void abortAndFinishFromAboveEndRequestsAtTheNextStep() {
        RequestOutputQueue aborted = engine.addRequest(request("a", 4, 100));
        RequestOutputQueue stopped = engine.addRequest(request("s", 4, 100));
        RequestOutputQueue prefilling = engine.addRequest(request("w", 200, 100)); // 56 of 200 done after step 1
        engine.step();
        engine.abort("a");
        engine.finish("s", FinishReason.STOP); // e.g. the detokenizer saw a stop string
        engine.abort("w");
        engine.abort("unknown");
        List<RequestOutput> outputs = engine.step();
        assertThat(outputs).filteredOn(RequestOutput::finished).extracting(RequestOutput::requestId)
                .containsExactly("a", "s", "w");
        assertThat(drain(aborted).getLast().finishReason()).isEqualTo(FinishReason.ABORT);
        assertThat(drain(stopped).getLast().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(drain(prefilling).getLast().finishReason()).isEqualTo(FinishReason.ABORT);
    }

    @Test
    void refusesPromptsThatLeaveNoRoomAndReportsDuplicateIds() {
        assertThatThrownBy(() -> engine.addRequest(request("big", 256, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256");
        RequestOutputQueue one = engine.addRequest(request("dup", 4, 3));
        RequestOutputQueue two = engine.addRequest(request("dup", 4, 3));
        runToCompletion();
        assertThat(drain(two)).singleElement().extracting(RequestOutput::finishReason).isEqualTo(FinishReason.ERROR);
        assertThat(drain(one).getLast().finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void anExecutorFailureEndsTheStepsRequestsWithError() {
        engine = newEngine(step -> {
            throw new IllegalStateException("stage 2 unreachable");
        });
        RequestOutputQueue q = engine.addRequest(request("x", 4, 3));
        engine.step();
        assertThat(drain(q)).singleElement().extracting(RequestOutput::finishReason).isEqualTo(FinishReason.ERROR);
    }

    @Test
    void aMissingTokenOrAFailingListenerEndsOnlyThatRequest() {
        engine = newEngine(step -> {
            var outputs = new ArrayList<io.flotilla.exec.SequenceOutput>();
            for (var seq : step.sequences()) {
                if (seq.sample() && !seq.requestId().equals("forgotten")) {
                    outputs.add(io.flotilla.exec.SequenceOutput.of(seq.requestId(), 1000 + seq.endPosition()));
                }
            }
            return io.flotilla.exec.ModelRunnerOutput.of(outputs);
        });
        RequestOutputQueue forgotten = engine.addRequest(request("forgotten", 4, 3));
        RequestOutputQueue fine = engine.addRequest(request("fine", 4, 3));
        engine.addRequest(request("rude", 4, 3), out -> {
            throw new IllegalStateException("listener bug");
        });
        runToCompletion();
        assertThat(drain(forgotten)).singleElement().extracting(RequestOutput::finishReason).isEqualTo(FinishReason.ERROR);
        assertThat(drain(fine)).hasSize(3).last().extracting(RequestOutput::finishReason).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aRequestAbortedBeforeItsFirstStepNeverRuns() {
        RequestOutputQueue q = engine.addRequest(request("early", 4, 3));
        engine.abort("early");
        engine.step();
        assertThat(drain(q)).singleElement().extracting(RequestOutput::finishReason).isEqualTo(FinishReason.ABORT);
        assertThat(executor.plans).allMatch(p -> p.sequences().isEmpty());
    }

    @Test
    void tenantWeightsAreValidatedAtOnce() {
        assertThatThrownBy(() -> engine.setTenantWeight("t", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0.0");
        engine.setTenantWeight("t", 2);
        engine.step();
        assertThat(engine.stats().tenants()).singleElement().extracting(t -> t.weight()).isEqualTo(2.0);
    }

    @Test
    void theLoopServesRequestsFromOtherThreads() throws Exception {
        ScriptedExecutor scripted = new ScriptedExecutor();
        CountDownLatch abortSent = new CountDownLatch(1);
        io.flotilla.exec.Executor gated = step -> { // once "gone" runs alone, hold it until the test aborts it
            if (!step.isEmpty() && step.sequences().stream().allMatch(q -> q.requestId().equals("gone"))) {
                try {
                    abortSent.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return scripted.execute(step);
        };
        EngineCore live = new EngineCore(new EngineConfig(new SchedulerConfig(64, 8, 256, Set.of(EOS), false),
                new KvCacheConfig(32, 16, true)), gated);
        engine = live;
        try (EngineLoop loop = new EngineLoop(live)) {
            loop.start();
            List<RequestOutputQueue> queues = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queues.add(live.addRequest(new Request("r" + i, new int[] {5, 6, 7}, SamplingParams.greedy(10),
                        "t" + (i % 2), live.now())));
            }
            // "gone" runs with the others, then is held by the gated executor until aborted while running
            RequestOutputQueue aborted = live.addRequest(new Request("gone", new int[] {5}, SamplingParams.defaults(),
                    "t", live.now()));
            for (RequestOutputQueue q : queues) {
                RequestOutput out;
                int tokens = 0;
                do {
                    out = q.poll(10, TimeUnit.SECONDS);
                    assertThat(out).as("output within 10 s").isNotNull();
                    tokens += out.newTokenIds().length;
                } while (!out.finished());
                assertThat(tokens).isEqualTo(10);
            }
            live.abort("gone");
            abortSent.countDown();
            RequestOutput out;
            do {
                out = aborted.poll(10, TimeUnit.SECONDS);
                assertThat(out).isNotNull();
            } while (!out.finished());
            assertThat(out.finishReason()).isEqualTo(FinishReason.ABORT);
        }
    }

    private static List<RequestOutput> drain(RequestOutputQueue queue) {
        List<RequestOutput> list = new ArrayList<>();
        for (RequestOutput o; (o = queue.poll()) != null; ) {
            list.add(o);
        }
        return list;
    }
}
