package io.flotilla.sched;

import io.flotilla.kvcache.KvCacheStats;
import java.util.List;

/**
 * A snapshot of the scheduler for metrics.
 *
 * @param steps            steps scheduled so far
 * @param lastStepTokens   tokens computed by the last step
 * @param totalTokens      tokens computed by all steps
 * @param preemptions      requests preempted so far
 */
public record SchedulerStats(
        int numRunning, int numWaiting, long steps, int lastStepTokens, long totalTokens,
        long preemptions, KvCacheStats kvCache, List<TenantStats> tenants) {

    public SchedulerStats {
        tenants = List.copyOf(tenants);
    }
}
