package io.flotilla.kvcache;

/**
 * What the KV cache needs to know about a sequence: its id, its tokens (prompt then output) and
 * how many of them already have K/V computed. The scheduler's request state implements it.
 */
public interface KvSequence {
    String sequenceId();

    /** Number of known tokens (prompt plus generated). */
    int numTokens();

    int tokenAt(int index);

    /** Number of leading tokens whose K/V are in the cache. */
    int numComputedTokens();

    /** Seed of the hash chain of this sequence's blocks ({@link KvBlockHash#seed}). */
    default long prefixCacheSeed() {
        return 0;
    }
}
