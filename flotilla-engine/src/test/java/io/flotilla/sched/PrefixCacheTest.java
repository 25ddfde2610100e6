package io.flotilla.sched;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.ScriptedExecutor;
import io.flotilla.kvcache.KvCacheConfig;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Prefix reuse seen through the scheduler: blocks of 16 tokens. */
class PrefixCacheTest {
    private final SchedulerHarness h = SchedulerHarness.of(512, 8, 64, new ScriptedExecutor());

    @AfterEach
    void poolIsClean() {
        h.assertPoolClean();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void run(String id, int[] prompt) {
        h.add(id, "t", prompt, SamplingParams.greedy(2));
        h.runToCompletion(20);
    }

    private int cached(String id) {
        return h.last(id).stats().numCachedTokens();
    }

    @Test
    void secondRequestWithTheSame64TokenPrefixReusesFourBlocks() {
        int[] prefix = SchedulerHarness.prompt(64, 1);
        run("first", concat(prefix, SchedulerHarness.prompt(10, 2)));
        run("second", concat(prefix, SchedulerHarness.prompt(10, 3)));
        run("other", concat(SchedulerHarness.prompt(64, 4), SchedulerHarness.prompt(10, 3)));
        assertThat(cached("first")).isZero();
        assertThat(cached("second")).isEqualTo(64);
        assertThat(cached("other")).isZero();
        var kv = h.scheduler.stats().kvCache();
        assertThat(kv.prefixQueries()).isEqualTo(3 * 74);
        assertThat(kv.prefixHits()).isEqualTo(64);
        // the second request computed only its 10 own tokens
        assertThat(h.executor.plans.stream().filter(p -> p.sequences().getFirst().requestId().equals("second"))
                .findFirst().orElseThrow().numTokens()).isEqualTo(10);
    }

    @Test
    void thePartialLastBlockIsNeverShared() {
        int[] prompt = SchedulerHarness.prompt(40, 5); // 2 full blocks + 8 tokens
        run("a", prompt);
        run("b", prompt);
        assertThat(cached("b")).isEqualTo(32);
    }

    @Test
    void aPromptOfWholeBlocksStillComputesItsLastToken() {
        int[] prompt = SchedulerHarness.prompt(64, 6);
        run("a", prompt);
        run("b", prompt);
        assertThat(cached("b")).isEqualTo(48); // 3 blocks: the 4th holds the last token, which must be computed
    }

    @Test
    void generatedTokensFillCacheableBlocksToo() {
        int[] prompt = SchedulerHarness.prompt(10, 7);
        h.add("a", "t", prompt, SamplingParams.greedy(30));
        h.runToCompletion(50);
        // a's tokens: the prompt then 1000 + p at position p; a follow-up turn repeats them all
        int[] turn = Arrays.copyOf(prompt, 45);
        for (int p = 10; p < 40; p++) {
            turn[p] = 1000 + p;
        }
        h.add("b", "t", turn, SamplingParams.greedy(1));
        h.runToCompletion(10);
        assertThat(cached("b")).isEqualTo(32); // positions 0..31: block 3 (32..39 computed, 40 never) is partial
    }

    @Test
    void runningRequestsShareBlocksWithReferenceCounts() {
        int[] prefix = SchedulerHarness.prompt(32, 8);
        h.add("a", "t", concat(prefix, new int[] {5}), SamplingParams.greedy(10));
        h.step();
        h.add("b", "t", concat(prefix, new int[] {6}), SamplingParams.greedy(10));
        h.step();
        var kv = h.scheduler.kvCache();
        assertThat(kv.table("b").block(0)).isSameAs(kv.table("a").block(0));
        assertThat(kv.table("b").block(0).refCount()).isEqualTo(2);
        assertThat(kv.table("b").block(2)).isNotSameAs(kv.table("a").block(2));
        assertThat(kv.pool().numUsed()).isEqualTo(4); // 2 shared + 1 own each
        h.runToCompletion(30);
    }

    @Test
    void tenantsDoNotShareWhenPrefixCacheIsPerTenant() {
        var perTenant = new SchedulerHarness(new SchedulerConfig(512, 8, 1024, Set.of(2), true),
                new KvCacheConfig(64, 16, true), new ScriptedExecutor());
        int[] prompt = SchedulerHarness.prompt(40, 9);
        perTenant.add("x1", "x", prompt, SamplingParams.greedy(1));
        perTenant.runToCompletion(5);
        perTenant.add("y1", "y", prompt, SamplingParams.greedy(1));
        perTenant.add("x2", "x", prompt, SamplingParams.greedy(1));
        perTenant.runToCompletion(5);
        assertThat(perTenant.last("y1").stats().numCachedTokens()).isZero();
        assertThat(perTenant.last("x2").stats().numCachedTokens()).isEqualTo(32);
        perTenant.assertPoolClean();
    }

    @Test
    void cachedBlocksAreEvictedLeastRecentlyUsedFirst() {
        // 64 blocks; fill the cache with old prefixes, then one big request must evict them
        int[] old = SchedulerHarness.prompt(160, 10); // 10 blocks
        run("old", old);
        assertThat(h.scheduler.kvCache().pool().numCached()).isEqualTo(10);
        run("big", SchedulerHarness.prompt(1000, 11)); // 63 blocks: evicts 9 of the 10 old ones
        assertThat(h.scheduler.stats().kvCache().evictions()).isGreaterThanOrEqualTo(9);
        run("again", old);
        assertThat(cached("again")).isLessThan(160);
    }
}
