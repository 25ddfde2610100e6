package io.flotilla.kvcache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The blocks of one sequence, in token order: token {@code p} lives in block
 * {@code blockId(p / blockSize)} at slot {@code p % blockSize}. Only its last block may be partial.
 */
public final class KvBlockTable {
    private final int blockSize;
    private final List<KvBlock> blocks = new ArrayList<>();

    public KvBlockTable(int blockSize) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
        }
        this.blockSize = blockSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return blocks.size();
    }

    /** Number of token slots the table can hold. */
    public int capacity() {
        return blocks.size() * blockSize;
    }

    public int blockId(int index) {
        return blocks.get(index).id();
    }

    public KvBlock block(int index) {
        return blocks.get(index);
    }

    public List<KvBlock> blocks() {
        return Collections.unmodifiableList(blocks);
    }

    /** The physical block ids, a copy (what crosses to an executor). */
    public int[] blockIds() {
        int[] ids = new int[blocks.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = blocks.get(i).id();
        }
        return ids;
    }

    /** The global slot of token position {@code p}: {@code blockId * blockSize + p % blockSize}. */
    public int slot(int position) {
        if (position < 0 || position >= capacity()) {
            throw new IllegalArgumentException("position " + position + " outside table of " + capacity() + " slots");
        }
        return blocks.get(position / blockSize).id() * blockSize + position % blockSize;
    }

    void add(KvBlock block) {
        blocks.add(block);
    }

    void clear() {
        blocks.clear();
    }
}
