package io.flotilla.kvcache;

import java.util.List;

/**
 * The cached blocks that cover the longest reusable prefix of a sequence, as found by
 * {@link KvCacheManager#findCachedPrefix}; {@code numTokens = blocks.size() * blockSize}.
 * Valid until the next allocation from the pool.
 */
public record KvCachedPrefix(List<KvBlock> blocks, int numTokens) {
    public static final KvCachedPrefix NONE = new KvCachedPrefix(List.of(), 0);

    public KvCachedPrefix {
        blocks = List.copyOf(blocks);
    }
}
