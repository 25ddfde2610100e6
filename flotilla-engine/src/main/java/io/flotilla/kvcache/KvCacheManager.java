package io.flotilla.kvcache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives sequences their KV blocks: allocation for the tokens a step will compute, prefix reuse
 * of cached full blocks, registration of newly computed full blocks, and release.
 *
 * <p>Protocol, per sequence: ({@link #findCachedPrefix} then) {@link #allocate} before each step
 * that computes its tokens; {@link #cacheComputedBlocks} after the step; {@link #free} when it
 * finishes, aborts or is preempted. Not thread-safe: the scheduler owns it.
 */
public final class KvCacheManager {
    private final KvBlockPool pool;
    private final int blockSize;
    private final boolean prefixCaching;
    private final Map<String, Entry> entries = new HashMap<>();
    private long prefixQueries;
    private long prefixHits;

    /** Per sequence: its block table and the hash chain of its registered (full, computed) blocks. */
    private static final class Entry {
        final KvBlockTable table;
        int numHashedBlocks;
        long lastHash;

        Entry(int blockSize, long seed) {
            table = new KvBlockTable(blockSize);
            lastHash = seed;
        }
    }

    public KvCacheManager(KvBlockPool pool, int blockSize, boolean prefixCaching) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
        }
        this.pool = pool;
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
    }

    public int blockSize() {
        return blockSize;
    }

    public KvBlockPool pool() {
        return pool;
    }

    /**
     * The cached blocks covering the longest prefix of {@code sequence} that can be reused. At
     * most {@code numTokens - 1} tokens are reused (the last token must be computed to get its
     * logits), so the match is limited to {@code (numTokens - 1) / blockSize} full blocks; a
     * partial block is never cached. The hit counters move when the prefix is allocated.
     */
    public KvCachedPrefix findCachedPrefix(KvSequence sequence) {
        if (!prefixCaching || entries.containsKey(sequence.sequenceId())) {
            return KvCachedPrefix.NONE;
        }
        int numTokens = sequence.numTokens();
        int maxBlocks = Math.max(0, numTokens - 1) / blockSize;
        List<KvBlock> hits = new ArrayList<>();
        long parent = sequence.prefixCacheSeed();
        for (int i = 0; i < maxBlocks; i++) {
            int from = i * blockSize;
            long hash = KvBlockHash.of(parent, sequence, from, from + blockSize);
            KvBlock block = pool.lookup(hash, parent, sequence, from);
            if (block == null) {
                break;
            }
            hits.add(block);
            parent = hash;
        }
        return hits.isEmpty() ? KvCachedPrefix.NONE : new KvCachedPrefix(hits, hits.size() * blockSize);
    }

    /** {@link #allocate(KvSequence, int, KvCachedPrefix)} with no cached prefix. */
    public KvBlockTable allocate(KvSequence sequence, int numNewTokens) {
        return allocate(sequence, numNewTokens, KvCachedPrefix.NONE);
    }

    /**
     * Makes room for {@code numNewTokens} more tokens after the sequence's computed ones (after
     * {@code prefix} for a sequence that has no blocks yet). Returns the sequence's block table,
     * or null when the pool cannot hold them; then nothing changed and the caller may preempt.
     */
    public KvBlockTable allocate(KvSequence sequence, int numNewTokens, KvCachedPrefix prefix) {
        if (numNewTokens <= 0) {
            throw new IllegalArgumentException("numNewTokens must be > 0, got " + numNewTokens
                    + " for " + sequence.sequenceId());
        }
        Entry entry = entries.get(sequence.sequenceId());
        if (entry != null && !prefix.blocks().isEmpty()) {
            throw new IllegalArgumentException("cached prefix given for " + sequence.sequenceId()
                    + " which already has " + entry.table.numBlocks() + " blocks");
        }
        int computed = entry == null ? prefix.numTokens() : sequence.numComputedTokens();
        int held = entry == null ? prefix.blocks().size() : entry.table.numBlocks();
        int needed = ceilDiv(computed + numNewTokens, blockSize) - held;
        // hit blocks with no holder sit on the free list: taking them uses free blocks too
        int freeHits = (int) prefix.blocks().stream().filter(b -> b.refCount() == 0).count();
        if (Math.max(needed, 0) + freeHits > pool.numFree()) {
            return null;
        }
        if (entry == null) {
            entry = new Entry(blockSize, sequence.prefixCacheSeed());
            entries.put(sequence.sequenceId(), entry);
            if (prefixCaching) {
                prefixQueries += sequence.numTokens();
                prefixHits += prefix.numTokens();
            }
            for (KvBlock hit : prefix.blocks()) {
                pool.retain(hit);
                entry.table.add(hit);
                entry.lastHash = hit.hash();
            }
            entry.numHashedBlocks = prefix.blocks().size();
        }
        for (int i = 0; i < needed; i++) {
            entry.table.add(pool.allocate());
        }
        return entry.table;
    }

    /** Registers, for prefix reuse, the sequence's blocks that its computed tokens have filled. */
    public void cacheComputedBlocks(KvSequence sequence) {
        Entry entry = entries.get(sequence.sequenceId());
        if (!prefixCaching || entry == null) {
            return;
        }
        int full = Math.min(sequence.numComputedTokens() / blockSize, entry.table.numBlocks());
        for (int i = entry.numHashedBlocks; i < full; i++) {
            int from = i * blockSize;
            long hash = KvBlockHash.of(entry.lastHash, sequence, from, from + blockSize);
            int[] tokens = new int[blockSize];
            for (int t = 0; t < blockSize; t++) {
                tokens[t] = sequence.tokenAt(from + t);
            }
            KvBlock block = entry.table.block(i);
            if (!block.isCached()) {
                pool.register(block, hash, entry.lastHash, tokens);
            }
            entry.lastHash = hash;
        }
        entry.numHashedBlocks = Math.max(entry.numHashedBlocks, full);
    }

    /**
     * Releases the sequence's blocks, last block first, so that on the LRU free list a prefix's
     * tail is evicted before its head (heads are the most shared). Unknown ids are ignored.
     */
    public void free(KvSequence sequence) {
        free(sequence.sequenceId());
    }

    public void free(String sequenceId) {
        Entry entry = entries.remove(sequenceId);
        if (entry == null) {
            return;
        }
        List<KvBlock> blocks = entry.table.blocks();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            pool.release(blocks.get(i));
        }
        entry.table.clear();
    }

    /** The sequence's block table, or null when it holds no blocks. */
    public KvBlockTable table(String sequenceId) {
        Entry entry = entries.get(sequenceId);
        return entry == null ? null : entry.table;
    }

    /** Number of sequences holding blocks. */
    public int numSequences() {
        return entries.size();
    }

    /** Blocks needed to hold {@code numTokens} tokens. */
    public int blocksFor(int numTokens) {
        return ceilDiv(numTokens, blockSize);
    }

    public KvCacheStats stats() {
        return new KvCacheStats(pool.numBlocks(), pool.numUsed(), pool.numFree(), pool.numCached(),
                prefixQueries, prefixHits, pool.evictions());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
