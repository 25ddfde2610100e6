package io.flotilla.kvcache;

/**
 * Size of the paged KV cache.
 *
 * @param numBlocks     blocks in the pool (see {@link KvStorageSpec#blocksThatFit} to size it from memory)
 * @param blockSize     tokens per block (16 is a good default)
 * @param prefixCaching reuse the cached full blocks of equal prompt prefixes
 */
public record KvCacheConfig(int numBlocks, int blockSize, boolean prefixCaching) {

    public KvCacheConfig {
        if (numBlocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("numBlocks and blockSize must be > 0, got numBlocks="
                    + numBlocks + " blockSize=" + blockSize);
        }
    }

    /** Tokens the whole pool can hold. */
    public long capacityTokens() {
        return (long) numBlocks * blockSize;
    }

    /** A manager over a new pool of this size. */
    public KvCacheManager newManager() {
        return new KvCacheManager(new KvBlockPool(numBlocks), blockSize, prefixCaching);
    }
}
