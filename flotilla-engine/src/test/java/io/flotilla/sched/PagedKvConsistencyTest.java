package io.flotilla.sched;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.FingerprintExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Many requests with shared prefixes through a small pool (prefix hits, evictions, preemptions,
 * chunked prefill), on an executor that reads each sequence's K/V through its block table: every
 * output must equal what the sequence's tokens alone determine.
 */
class PagedKvConsistencyTest {

    private static List<Integer> expected(int[] prompt, int maxTokens) {
        int c = 0;
        for (int t : prompt) {
            c = FingerprintExecutor.chain(c, t);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < maxTokens; i++) {
            int t = FingerprintExecutor.tokenFor(c);
            out.add(t);
            c = FingerprintExecutor.chain(c, t);
        }
        return out;
    }

    @Test
    void everySequenceReadsExactlyItsOwnTokensThroughItsBlockTable() {
        int blockSize = 4;
        int numBlocks = 24;
        FingerprintExecutor executor = new FingerprintExecutor(numBlocks, blockSize);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(24, 6, 64, Set.of(), false),
                new KvCacheConfig(numBlocks, blockSize, true).newManager(), System::nanoTime);
        Random random = new Random(42);
        int[][] systemPrompts = new int[3][];
        for (int i = 0; i < systemPrompts.length; i++) {
            systemPrompts[i] = random.ints(5 + 6 * i, 10, 50).toArray();
        }
        Map<String, List<Integer>> got = new HashMap<>();
        Map<String, List<Integer>> want = new HashMap<>();
        int submitted = 0;
        for (int stepIndex = 0; stepIndex < 3000 && (submitted < 60 || scheduler.hasUnfinishedRequests()); stepIndex++) {
            for (int burst = random.nextInt(3); burst > 0 && submitted < 60; burst--) {
                int[] system = systemPrompts[random.nextInt(systemPrompts.length)];
                int[] prompt = Arrays.copyOf(system, system.length + 1 + random.nextInt(12));
                for (int i = system.length; i < prompt.length; i++) {
                    prompt[i] = 10 + random.nextInt(40);
                }
                int maxTokens = 1 + random.nextInt(20);
                String id = "r" + submitted++;
                want.put(id, expected(prompt, maxTokens));
                scheduler.addRequest(new Request(id, prompt, SamplingParams.greedy(maxTokens), "t" + (submitted % 2), 0),
                        (RequestOutput out) -> {
                            for (int t : out.newTokenIds()) {
                                got.computeIfAbsent(out.requestId(), k -> new ArrayList<>()).add(t);
                            }
                        });
            }
            SchedulerOutput plan = scheduler.schedule();
            if (!plan.isEmpty()) {
                scheduler.updateFromOutput(plan, executor.execute(plan));
            }
        }
        assertThat(scheduler.hasUnfinishedRequests()).isFalse();
        assertThat(got).isEqualTo(want);
        SchedulerStats stats = scheduler.stats();
        // the scenario exercised what it is meant to
        assertThat(stats.kvCache().prefixHits()).isPositive();
        assertThat(stats.kvCache().evictions()).isPositive();
        assertThat(stats.preemptions()).isPositive();
        assertThat(executor.positionsVerified).isGreaterThan(1000);
        scheduler.kvCache().pool().checkInvariants();
        assertThat(scheduler.kvCache().pool().numFree()).isEqualTo(numBlocks);
    }
}
