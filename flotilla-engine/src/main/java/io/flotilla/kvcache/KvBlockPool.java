package io.flotilla.kvcache;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A fixed set of KV blocks with reference counts, a free list and the prefix-cache index.
 *
 * <p>The free list holds every block with {@code refCount == 0}, in LRU order: blocks are taken
 * from the head and returned to the tail. A freed block that is cached stays in the index while
 * it sits on the free list, so a later hit can take it back ({@link #retain}); taking it for new
 * data ({@link #allocate}) evicts it from the index. Not thread-safe: the scheduler owns it.
 */
public final class KvBlockPool {
    private final KvBlock[] blocks;
    private final KvBlock freeHead = new KvBlock(-1); // sentinel: freeHead.next is the LRU block
    private final Map<Long, KvBlock> cache = new HashMap<>();
    private int numFree;
    private long evictions;

    public KvBlockPool(int numBlocks) {
        if (numBlocks <= 0) {
            throw new IllegalArgumentException("numBlocks must be > 0, got " + numBlocks);
        }
        blocks = new KvBlock[numBlocks];
        freeHead.prev = freeHead;
        freeHead.next = freeHead;
        for (int i = 0; i < numBlocks; i++) {
            blocks[i] = new KvBlock(i);
            appendFree(blocks[i]);
        }
    }

    public int numBlocks() {
        return blocks.length;
    }

    /** Blocks with no holder (some may still be cached). */
    public int numFree() {
        return numFree;
    }

    public int numUsed() {
        return blocks.length - numFree;
    }

    public int numCached() {
        return cache.size();
    }

    public long evictions() {
        return evictions;
    }

    public KvBlock block(int id) {
        return blocks[id];
    }

    /** Takes the least recently freed block for new data (evicting it from the cache); refCount becomes 1. */
    public KvBlock allocate() {
        if (numFree == 0) {
            throw new IllegalStateException("KV block pool exhausted: all " + blocks.length + " blocks in use");
        }
        KvBlock block = freeHead.next;
        unlinkFree(block);
        if (block.cached) {
            cache.remove(block.hash);
            block.clearCache();
            evictions++;
        }
        block.refCount = 1;
        return block;
    }

    /** Adds a holder to a block (a prefix-cache hit); a free block leaves the free list. */
    public void retain(KvBlock block) {
        if (block.refCount == 0) {
            unlinkFree(block);
        }
        block.refCount++;
    }

    /** Drops a holder; at zero the block goes to the tail of the free list, keeping its cache entry. */
    public void release(KvBlock block) {
        if (block.refCount <= 0) {
            throw new IllegalStateException("release of a free block: " + block);
        }
        if (--block.refCount == 0) {
            appendFree(block);
        }
    }

    /** The cached block with this hash, parent and tokens {@code sequence[from, from + blockSize)}, or null. */
    public KvBlock lookup(long hash, long parentHash, KvSequence sequence, int from) {
        KvBlock block = cache.get(hash);
        if (block == null || block.parentHash != parentHash) {
            return null;
        }
        int[] tokens = block.tokens;
        for (int i = 0; i < tokens.length; i++) {
            if (sequence.tokenAt(from + i) != tokens[i]) {
                return null;
            }
        }
        return block;
    }

    /**
     * Registers a full, computed block for prefix reuse. When another block already holds the
     * same content, this one stays unregistered (it is freed as plain storage) and false is returned.
     */
    public boolean register(KvBlock block, long hash, long parentHash, int[] tokens) {
        if (block.cached || block.refCount == 0) {
            throw new IllegalStateException("register needs an uncached block in use: " + block);
        }
        if (cache.putIfAbsent(hash, block) != null) {
            return false;
        }
        block.cached = true;
        block.hash = hash;
        block.parentHash = parentHash;
        block.tokens = tokens;
        return true;
    }

    /** Forgets every cached prefix (e.g. after the model's weights change); blocks in use stay in use. */
    public void clearCache() {
        for (KvBlock block : blocks) {
            if (block.cached) {
                cache.remove(block.hash);
                block.clearCache();
            }
        }
    }

    /**
     * Checks the pool's bookkeeping: free list = blocks with refCount 0, counts agree, every
     * cache entry points to a cached block with that hash. Throws IllegalStateException naming
     * the first broken rule; tests call it after every scenario.
     */
    public void checkInvariants() {
        boolean[] onFreeList = new boolean[blocks.length];
        int count = 0;
        for (KvBlock b = freeHead.next; b != freeHead; b = b.next) {
            if (b.next.prev != b) {
                throw new IllegalStateException("free list broken after " + b);
            }
            if (b.refCount != 0 || onFreeList[b.id()]) {
                throw new IllegalStateException("bad free-list entry " + b);
            }
            onFreeList[b.id()] = true;
            count++;
        }
        if (count != numFree) {
            throw new IllegalStateException("free list has " + count + " blocks, numFree=" + numFree);
        }
        for (KvBlock b : blocks) {
            if (b.refCount < 0 || (b.refCount == 0) != onFreeList[b.id()]) {
                throw new IllegalStateException("block " + b + " on free list=" + onFreeList[b.id()]);
            }
        }
        for (Map.Entry<Long, KvBlock> e : cache.entrySet()) {
            KvBlock b = e.getValue();
            if (!b.cached || b.hash != e.getKey()) {
                throw new IllegalStateException("cache entry " + e.getKey() + " points to " + b);
            }
        }
        long cachedCount = Arrays.stream(blocks).filter(KvBlock::isCached).count();
        if (cachedCount != cache.size()) {
            throw new IllegalStateException(cachedCount + " blocks marked cached, index has " + cache.size());
        }
    }

    private void appendFree(KvBlock block) {
        KvBlock tail = freeHead.prev;
        block.prev = tail;
        block.next = freeHead;
        tail.next = block;
        freeHead.prev = block;
        numFree++;
    }

    private void unlinkFree(KvBlock block) {
        block.prev.next = block.next;
        block.next.prev = block.prev;
        block.prev = null;
        block.next = null;
        numFree--;
    }
}
