package io.flotilla.pipeline;

import java.util.Arrays;

/**
 * What the coordinator knows of the K/V blocks its stages hold: per block id (the engine's
 * {@code KvBlockPool} ids, which the stages' paged stores use too) the tokens last written at its
 * slots, the plan version under which they were computed and on which of its replicas (each replica's
 * stages have their own stores). A new plan's stages start empty, so a block computed under an older
 * plan is stale; a chunk may only start after positions whose blocks are current on its replica,
 * else the executor first rebuilds them there from these tokens.
 */
final class PipelineBlocks {
    private final int blockSize;
    private final int[][] tokens;
    private final long[] version;
    private final long[] replicas; // bit r: replica r holds the block's current content

    PipelineBlocks(int numBlocks, int blockSize) {
        if (numBlocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("need numBlocks >= 1 and blockSize >= 1, got " + numBlocks + " and "
                    + blockSize);
        }
        this.blockSize = blockSize;
        this.tokens = new int[numBlocks][blockSize];
        this.version = new long[numBlocks];
        this.replicas = new long[numBlocks];
        Arrays.fill(version, -1);
    }

    int blockSize() {
        return blockSize;
    }

    int numBlocks() {
        return tokens.length;
    }

    /**
     * Notes that replica {@code replica} of plan {@code planVersion} computed {@code length} tokens of
     * {@code chunk} (from {@code offset}) at positions from {@code start} into {@code table}'s blocks.
     * A replay rewrites what the blocks hold, so other replicas that hold them keep them; any other
     * write is new content that only this replica holds.
     */
    void written(int[] table, int start, int[] chunk, int offset, int length, long planVersion, int replica,
                 boolean replay) {
        if (replica < 0 || replica >= Long.SIZE) {
            throw new IllegalArgumentException("replica " + replica + " is not in [0, " + Long.SIZE + ")");
        }
        for (int i = 0; i < length; i++) {
            int p = start + i;
            int block = table[p / blockSize];
            tokens[block][p % blockSize] = chunk[offset + i];
            if (version[block] != planVersion || !replay) {
                replicas[block] = 0;
            }
            version[block] = planVersion;
            replicas[block] |= 1L << replica;
        }
    }

    /**
     * Whether every block holding positions {@code [0, length)} of {@code table} was computed on
     * replica {@code replica} under this plan.
     */
    boolean current(int[] table, int length, long planVersion, int replica) {
        for (int b = 0; b * blockSize < length; b++) {
            if (version[table[b]] != planVersion || (replicas[table[b]] & 1L << replica) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The tokens at positions {@code [0, length)} of {@code table}: a prefix another request left in the cache. */
    int[] prefix(int[] table, int length) {
        int[] out = new int[length];
        for (int p = 0; p < length; p++) {
            out[p] = tokens[table[p / blockSize]][p % blockSize];
        }
        return out;
    }
}
