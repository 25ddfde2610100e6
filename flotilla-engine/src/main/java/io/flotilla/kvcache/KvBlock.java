package io.flotilla.kvcache;

/**
 * One fixed-size block of KV slots in a {@link KvBlockPool}.
 *
 * <p>A block is either in use ({@code refCount > 0}, held by one or more sequences) or free
 * ({@code refCount == 0}, on the pool's free list). A free block may still be <em>cached</em>:
 * it keeps its hash and token ids so that a later sequence with the same prefix can take it
 * back instead of recomputing it, until the pool evicts it to make room.
 */
public final class KvBlock {
    private final int id;
    int refCount;
    /** Hash of (parent hash, token ids) when the block is full and registered in the cache; 0 = not cached. */
    long hash;
    boolean cached;
    /** Hash of the previous block in the chain (root seed for the first block); valid when cached. */
    long parentHash;
    /** The block's token ids, kept to verify a cache hit exactly; valid when cached. */
    int[] tokens;
    // intrusive links of the pool's free list (LRU order: head evicted first)
    KvBlock prev;
    KvBlock next;

    KvBlock(int id) {
        this.id = id;
    }

    /** Physical block id: the index of this block in the pool and in {@link KvStorage}. */
    public int id() {
        return id;
    }

    /** Number of sequences holding this block. */
    public int refCount() {
        return refCount;
    }

    /** True when the block is full and registered for prefix reuse. */
    public boolean isCached() {
        return cached;
    }

    long hash() {
        return hash;
    }

    void clearCache() {
        cached = false;
        hash = 0;
        parentHash = 0;
        tokens = null;
    }

    @Override
    public String toString() {
        return "KvBlock[id=" + id + ", ref=" + refCount + (cached ? ", cached" : "") + "]";
    }
}
