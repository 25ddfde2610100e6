package io.flotilla.sched;

import static io.flotilla.sched.SchedulerHarness.EOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.engine.FinishReason;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.ScriptedExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private SchedulerHarness h;

    @AfterEach
    void poolIsCleanAfterEveryScenario() {
        if (h != null) {
            h.assertPoolClean();
        }
    }

    @Test
    void admitsWaitingRequestsWithinTheTokenBudgetAndRunningLimit() {
        h = SchedulerHarness.of(32, 8, 64, new ScriptedExecutor());
        for (int i = 0; i < 5; i++) {
            h.add("r" + i, 10, 3);
        }
        SchedulerOutput first = h.step();
        // 10 + 10 + 10 + a 2-token chunk of the fourth prompt; the fifth waits
        assertThat(first.numTokens()).isEqualTo(32);
        assertThat(first.sequences()).extracting(ScheduledSequence::numTokens).containsExactly(10, 10, 10, 2);
        assertThat(first.sequences()).extracting(ScheduledSequence::sample).containsExactly(true, true, true, false);
        assertThat(h.scheduler.numRunning()).isEqualTo(4);
        assertThat(h.scheduler.numWaiting()).isEqualTo(1);

        h = SchedulerHarness.of(512, 2, 64, new ScriptedExecutor());
        for (int i = 0; i < 3; i++) {
            h.add("s" + i, 10, 3);
        }
        assertThat(h.step().sequences()).hasSize(2); // max running sequences
        h.runToCompletion(20);
        assertThat(h.last("s2").numOutputTokens()).isEqualTo(3);
    }

    @Test
    void chunkedPrefillSharesStepsWithADecodingSequence() {
        h = SchedulerHarness.of(256, 8, 128, new ScriptedExecutor());
        h.add("decoder", 5, 50);
        h.step(); // decoder's prompt; it now decodes
        h.add("long", 1000, 2);
        int stepsToFirstToken = 0;
        for (int i = 0; i < 4; i++) {
            SchedulerOutput plan = h.step();
            stepsToFirstToken++;
            assertThat(plan.sequences().getFirst().requestId()).isEqualTo("decoder");
            assertThat(plan.sequences().getFirst().numTokens()).isEqualTo(1);
            assertThat(plan.numTokens()).isLessThanOrEqualTo(256);
            if (h.outputs.containsKey("long")) {
                break;
            }
        }
        assertThat(stepsToFirstToken).isEqualTo(4); // 255 + 255 + 255 + 235
        List<Integer> chunks = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            chunks.add(h.executor.scheduledTokens(i, "long"));
        }
        assertThat(chunks).containsExactly(255, 255, 255, 235);
        assertThat(h.tokens("decoder")).hasSize(5); // one token in each of the 5 steps
        h.runToCompletion(100);
        assertThat(h.tokens("long")).containsExactly(1000 + 1000, 1000 + 1001);
    }

    @Test
    void aPrefillChunkLimitLetsSeveralPromptsProgressTogether() {
        h = new SchedulerHarness(new SchedulerConfig(64, 8, 256, Set.of(EOS), false, 16),
                new KvCacheConfig(64, 16, true), new ScriptedExecutor());
        for (String id : List.of("a", "b", "c", "d", "e")) {
            h.add(id, 40, 2);
        }
        assertThat(h.step().sequences()).extracting(ScheduledSequence::numTokens).containsExactly(16, 16, 16, 16);
        assertThat(h.step().sequences()).extracting(ScheduledSequence::numTokens).containsExactly(16, 16, 16, 16);
        // third step: the first four finish their prompts (8 each), the fifth gets the rest of the budget
        assertThat(h.step().sequences()).extracting(ScheduledSequence::numTokens).containsExactly(8, 8, 8, 8, 16);
        h.runToCompletion(20);
        assertThatThrownBy(() -> new SchedulerConfig(64, 8, 256, Set.of(), false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPrefillChunk");
    }

    @Test
    void preemptsWhenBlocksRunOutAndThePreemptedRequestStillCompletes() {
        // 8 blocks of 4 tokens; each request grows to 6 + 12 = 18 tokens = 5 blocks: both cannot fit
        h = new SchedulerHarness(new SchedulerConfig(64, 4, 32, Set.of(EOS), false),
                new KvCacheConfig(8, 4, true), new ScriptedExecutor());
        h.add("a", 6, 12);
        h.add("b", 6, 12);
        h.runToCompletion(100);
        assertThat(h.scheduler.stats().preemptions()).isGreaterThan(0);
        for (String id : List.of("a", "b")) {
            RequestOutput last = h.last(id);
            assertThat(last.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(h.tokens(id)).hasSize(12);
            // the script makes token at position p = 1000 + p: recomputation changes nothing
            List<Integer> expected = new ArrayList<>();
            for (int p = 6; p < 18; p++) {
                expected.add(1000 + p);
            }
            assertThat(h.tokens(id)).isEqualTo(expected);
        }
        assertThat(h.last("b").stats().numPreemptions() + h.last("a").stats().numPreemptions()).isPositive();
    }

    @Test
    void preemptedRequestsAreReportedToTheExecutor() {
        h = new SchedulerHarness(new SchedulerConfig(64, 4, 32, Set.of(EOS), false),
                new KvCacheConfig(8, 4, false), new ScriptedExecutor());
        h.add("a", 6, 12);
        h.add("b", 6, 12);
        h.runToCompletion(100);
        List<String> preempted = h.executor.plans.stream().flatMap(p -> p.preemptedRequestIds().stream()).toList();
        assertThat(preempted).isNotEmpty().allMatch(id -> id.equals("b")); // b arrived last: lowest priority
        assertThat(h.executor.plans.stream().flatMap(p -> p.finishedRequestIds().stream()).toList())
                .containsExactlyInAnyOrder("a");  // b's finish is reported to the step after it, and there is none
    }

    @Test
    void stopsOnEndOfGenerationIdUnlessIgnored() {
        h = SchedulerHarness.of(256, 8, 64, new ScriptedExecutor(ScriptedExecutor.eosAt("e", 3, EOS)));
        h.add("e", "t", SchedulerHarness.prompt(8, 1), SamplingParams.greedy(20));
        h.runToCompletion(50);
        assertThat(h.last("e").finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(h.tokens("e")).containsExactly(1008, 1009, 1010, EOS);

        h = SchedulerHarness.of(256, 8, 64, new ScriptedExecutor(ScriptedExecutor.eosAt("e", 3, EOS)));
        h.add("e", "t", SchedulerHarness.prompt(8, 1), SamplingParams.greedy(6).withIgnoreEos(true));
        h.runToCompletion(50);
        assertThat(h.last("e").finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(h.tokens("e")).containsExactly(1008, 1009, 1010, EOS, 1012, 1013);
    }

    @Test
    void stopsOnStopTokenIdsAndMaxTokens() {
        h = SchedulerHarness.of(256, 8, 64, new ScriptedExecutor());
        h.add("stop", "t", SchedulerHarness.prompt(8, 1), SamplingParams.greedy(20).withStopTokenIds(1012));
        h.add("max", "t", SchedulerHarness.prompt(8, 2), SamplingParams.greedy(5));
        h.add("one", "t", SchedulerHarness.prompt(8, 3), SamplingParams.greedy(1));
        h.runToCompletion(50);
        assertThat(h.tokens("stop")).containsExactly(1008, 1009, 1010, 1011, 1012);
        assertThat(h.last("stop").finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(h.tokens("max")).hasSize(5);
        assertThat(h.last("max").finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(h.last("max").numOutputTokens()).isEqualTo(5);
        assertThat(h.outputs.get("one")).hasSize(1);
        assertThat(h.last("one").finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void stopsAtTheContextLength() {
        h = new SchedulerHarness(new SchedulerConfig(64, 4, 40, Set.of(EOS), false),
                new KvCacheConfig(8, 16, true), new ScriptedExecutor());
        h.add("ctx", 30, 1000);
        h.runToCompletion(50);
        assertThat(h.tokens("ctx")).hasSize(10);
        assertThat(h.last("ctx").finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThatThrownBy(() -> h.add("too-long", 40, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("40 tokens");
    }

    @Test
    void abortFreesBlocksOfWaitingAndRunningRequests() {
        h = SchedulerHarness.of(64, 1, 64, new ScriptedExecutor());
        h.add("run", 40, 100);
        h.add("wait", 40, 100);
        h.step();
        assertThat(h.scheduler.kvCache().pool().numUsed()).isEqualTo(3);
        assertThat(h.scheduler.finish("wait", FinishReason.ABORT).finishReason()).isEqualTo(FinishReason.ABORT);
        assertThat(h.scheduler.finish("run", FinishReason.ABORT).numOutputTokens()).isEqualTo(1);
        assertThat(h.scheduler.finish("run", FinishReason.ABORT)).isNull(); // already gone
        assertThat(h.scheduler.hasUnfinishedRequests()).isFalse();
        assertThat(h.last("wait").stats().queueNanos()).isEqualTo(-1);
        assertThat(h.step().finishedRequestIds()).containsExactly("wait", "run");
    }

    @Test
    void reportsLogprobsAndStats() {
        h = SchedulerHarness.of(64, 4, 64, new ScriptedExecutor());
        h.add("lp", "t", SchedulerHarness.prompt(4, 1), SamplingParams.greedy(2).withLogprobs(2));
        h.add("plain", "t", SchedulerHarness.prompt(4, 2), SamplingParams.greedy(2));
        h.step();
        SchedulerStats stats = h.scheduler.stats();
        assertThat(stats.numRunning()).isEqualTo(2);
        assertThat(stats.lastStepTokens()).isEqualTo(8);
        assertThat(stats.kvCache().usedBlocks()).isEqualTo(2);
        h.runToCompletion(10);
        assertThat(h.last("lp").logprobs()).singleElement().satisfies(lp -> {
            assertThat(lp.tokenId()).isEqualTo(1005);
            assertThat(lp.topTokenIds()).containsExactly(1005, 7);
        });
        assertThat(h.last("plain").logprobs()).isEmpty();
        assertThat(h.last("lp").stats().queueNanos()).isZero();
        assertThat(h.last("lp").stats().firstTokenLatencyNanos()).isEqualTo(1_000_000);
        assertThat(h.scheduler.stats().totalTokens()).isEqualTo(8 + 2);
    }

    @Test
    void rejectsDuplicateIds() {
        h = SchedulerHarness.of(64, 4, 64, new ScriptedExecutor());
        h.add("dup", 4, 1);
        assertThatThrownBy(() -> h.add("dup", 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dup");
        h.runToCompletion(5);
    }

    @Test
    void aStepLeavesOutSequencesInFlightAndTakesAtMostMaxSequences() {
        h = SchedulerHarness.of(64, 8, 64, new ScriptedExecutor());
        for (String id : List.of("a", "b", "c", "d", "e")) {
            h.add(id, 4, 3);
        }
        SchedulerOutput first = h.scheduler.schedule(3);
        SchedulerOutput second = h.scheduler.schedule(3); // the first is in flight: its sequences are left out
        SchedulerOutput third = h.scheduler.schedule(3);

        assertThat(first.sequences()).extracting(ScheduledSequence::requestId).containsExactly("a", "b", "c");
        assertThat(second.sequences()).extracting(ScheduledSequence::requestId).containsExactly("d", "e");
        assertThat(third.isEmpty()).isTrue();
        assertThatThrownBy(() -> h.scheduler.schedule(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
        h.scheduler.updateFromOutput(first, h.executor.execute(first));
        assertThat(h.scheduler.schedule(8).sequences()).extracting(ScheduledSequence::requestId)
                .containsExactly("a", "b", "c"); // back once their output is applied; d and e still in flight
        h.scheduler.requestIds().forEach(id -> h.scheduler.finish(id, FinishReason.ABORT));
    }
}
