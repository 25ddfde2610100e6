package io.flotilla.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where a batch's K/V live on every stage (protocol version 3): the geometry of each stage's paged
 * store ({@code numBlocks × blockSize} positions, passes of up to {@code maxTokens} tokens), and per
 * chunk of the batch (a run of rows of one sequence, in row order) its block table and whether the
 * last stage returns the logits of its last row. The block ids are the coordinator's
 * {@code KvBlockPool} ids, so that every stage holds a prefix in the same blocks and a request that
 * shares full blocks with an earlier one reuses them on every stage.
 */
public record KvPaging(int numBlocks, int blockSize, int maxTokens, int[][] blockTables, boolean[] logits) {

    public KvPaging {
        Objects.requireNonNull(blockTables, "blockTables");
        Objects.requireNonNull(logits, "logits");
        if (numBlocks < 0 || blockSize < 0 || maxTokens < 0 || blockTables.length != logits.length) {
            throw new IllegalArgumentException("paging of " + numBlocks + " blocks x " + blockSize + " positions, "
                    + maxTokens + " tokens per pass, " + blockTables.length + " block tables, " + logits.length
                    + " logits flags");
        }
    }

    /** No paging: what messages that do not carry K/V (hop measurements, tests) send. */
    public static final KvPaging NONE = new KvPaging(0, 0, 0, new int[0][], new boolean[0]);

    /** Chunks described. */
    public int chunks() {
        return blockTables.length;
    }

    /** Whether the stores of {@code this} and {@code other} have the same shape. */
    public boolean sameStore(KvPaging other) {
        return numBlocks == other.numBlocks && blockSize == other.blockSize && maxTokens == other.maxTokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvPaging p && sameStore(p) && Arrays.deepEquals(blockTables, p.blockTables)
                && Arrays.equals(logits, p.logits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(numBlocks, blockSize, maxTokens, Arrays.deepHashCode(blockTables), Arrays.hashCode(logits));
    }

    @Override
    public String toString() {
        return "KvPaging[" + numBlocks + " x " + blockSize + ", " + maxTokens + " tokens, " + chunks() + " chunks]";
    }
}
