package io.flotilla.sched;

import java.util.Set;

/**
 * Limits and stop rules of the scheduler.
 *
 * @param tokenBudget          most tokens computed per step (decodes count 1, prompt chunks their length)
 * @param maxRunningSequences  most sequences holding KV blocks and stepping together
 * @param maxModelLength       context length: prompt plus output tokens never exceed it
 * @param endOfGenerationIds   the model's EOS / end-of-turn ids; they stop a request unless it ignores EOS
 * @param prefixCachePerTenant seed each tenant's block hashes apart, so tenants never share (or
 *                             probe, by timing) each other's cached prefixes
 */
public record SchedulerConfig(
        int tokenBudget, int maxRunningSequences, int maxModelLength,
        Set<Integer> endOfGenerationIds, boolean prefixCachePerTenant) {

    public SchedulerConfig {
        if (tokenBudget <= 0 || maxRunningSequences <= 0 || maxModelLength <= 1) {
            throw new IllegalArgumentException("need tokenBudget > 0, maxRunningSequences > 0, maxModelLength > 1; got "
                    + tokenBudget + ", " + maxRunningSequences + ", " + maxModelLength);
        }
        if (tokenBudget < maxRunningSequences) {
            throw new IllegalArgumentException("tokenBudget " + tokenBudget + " must be >= maxRunningSequences "
                    + maxRunningSequences + ", or some decoding sequences would get no token in a step");
        }
        endOfGenerationIds = Set.copyOf(endOfGenerationIds);
    }

    /** Budget 512 tokens, 64 sequences, shared prefix cache. */
    public static SchedulerConfig defaults(int maxModelLength, Set<Integer> endOfGenerationIds) {
        return new SchedulerConfig(512, 64, maxModelLength, endOfGenerationIds, false);
    }
}
