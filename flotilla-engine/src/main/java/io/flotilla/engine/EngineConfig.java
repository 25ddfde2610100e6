package io.flotilla.engine;

import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.sched.SchedulerConfig;
import java.util.Set;

/** Settings of one engine: its scheduler and its KV cache. */
public record EngineConfig(SchedulerConfig scheduler, KvCacheConfig kvCache) {

    public EngineConfig {
        long needed = (scheduler.maxModelLength() + (long) kvCache.blockSize() - 1) / kvCache.blockSize();
        if (needed > kvCache.numBlocks()) {
            throw new IllegalArgumentException("KV cache of " + kvCache.numBlocks() + " blocks x " + kvCache.blockSize()
                    + " tokens cannot hold one sequence of maxModelLength " + scheduler.maxModelLength());
        }
    }

    /** Budget 512 tokens per step, 64 sequences, blocks of 16 tokens, prefix caching on. */
    public static EngineConfig of(int maxModelLength, int numBlocks, Set<Integer> endOfGenerationIds) {
        return new EngineConfig(SchedulerConfig.defaults(maxModelLength, endOfGenerationIds),
                new KvCacheConfig(numBlocks, 16, true));
    }
}
