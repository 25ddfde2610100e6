package io.flotilla.sched;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.ScriptedExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A scheduler, a scripted executor and a fake clock: one {@link #step()} = schedule, execute, update. */
final class SchedulerHarness {
    static final int EOS = 2;

    final SchedulerConfig config;
    final Scheduler scheduler;
    final ScriptedExecutor executor;
    final Map<String, List<RequestOutput>> outputs = new LinkedHashMap<>();
    final Map<String, Long> finishedAtStep = new LinkedHashMap<>();
    long now;
    long steps;

    SchedulerHarness(SchedulerConfig config, KvCacheConfig kv, ScriptedExecutor executor) {
        this.config = config;
        this.scheduler = new Scheduler(config, kv.newManager(), () -> now);
        this.executor = executor;
    }

    /** Budget, max running, context = pool size up to 2048 tokens, EOS = 2; blocks of 16. */
    static SchedulerHarness of(int budget, int maxRunning, int numBlocks, ScriptedExecutor executor) {
        return new SchedulerHarness(new SchedulerConfig(budget, maxRunning, Math.min(2048, numBlocks * 16), Set.of(EOS), false),
                new KvCacheConfig(numBlocks, 16, true), executor);
    }

    void add(String id, String tenant, int[] prompt, SamplingParams params) {
        scheduler.addRequest(new Request(id, prompt, params, tenant, now), out -> {
            outputs.computeIfAbsent(out.requestId(), k -> new ArrayList<>()).add(out);
            if (out.finished()) {
                finishedAtStep.put(out.requestId(), steps);
            }
        });
    }

    void add(String id, int promptLength, int maxTokens) {
        add(id, "default", prompt(promptLength, id.hashCode()), SamplingParams.greedy(maxTokens));
    }

    /** One step; returns its plan. */
    SchedulerOutput step() {
        SchedulerOutput plan = scheduler.schedule();
        assertThat(plan.numTokens()).isLessThanOrEqualTo(config.tokenBudget());
        steps++;
        now += 1_000_000;
        if (!plan.isEmpty()) {
            scheduler.updateFromOutput(plan, executor.execute(plan));
        }
        return plan;
    }

    /** Steps until no request is left; fails after maxSteps. */
    void runToCompletion(int maxSteps) {
        for (int i = 0; i < maxSteps && scheduler.hasUnfinishedRequests(); i++) {
            step();
        }
        assertThat(scheduler.hasUnfinishedRequests()).as("requests left after %d steps", maxSteps).isFalse();
    }

    RequestOutput last(String id) {
        List<RequestOutput> list = outputs.get(id);
        return list == null ? null : list.getLast();
    }

    /** All tokens a request produced, in order. */
    List<Integer> tokens(String id) {
        List<Integer> tokens = new ArrayList<>();
        for (RequestOutput out : outputs.getOrDefault(id, List.of())) {
            for (int t : out.newTokenIds()) {
                tokens.add(t);
            }
        }
        return tokens;
    }

    /** Every block free, bookkeeping consistent, no request left holding blocks. */
    void assertPoolClean() {
        var kv = scheduler.kvCache();
        kv.pool().checkInvariants();
        assertThat(kv.numSequences()).isZero();
        assertThat(kv.pool().numFree()).isEqualTo(kv.pool().numBlocks());
    }

    /** Deterministic pseudo-random prompt tokens in [10, 2010). */
    static int[] prompt(int length, long seed) {
        int[] tokens = new int[length];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            tokens[i] = 10 + (int) Math.floorMod(x, 2000L);
        }
        return tokens;
    }
}
