package io.flotilla.kvcache;

/**
 * KV cache measurements for metrics. Prefix-cache counters are in tokens and cumulative:
 * {@code prefixQueries} counts the tokens of every sequence looked up, {@code prefixHits} the
 * tokens found cached.
 */
public record KvCacheStats(
        int numBlocks, int usedBlocks, int freeBlocks, int cachedBlocks,
        long prefixQueries, long prefixHits, long evictions) {

    /** Fraction of blocks in use, 0..1. */
    public double usage() {
        return numBlocks == 0 ? 0 : (double) usedBlocks / numBlocks;
    }

    /** Fraction of queried tokens served from the prefix cache, 0..1. */
    public double prefixHitRate() {
        return prefixQueries == 0 ? 0 : (double) prefixHits / prefixQueries;
    }
}
