package io.flotilla.model;

import java.util.List;

/**
 * The layout of one batched forward pass over a paged KV cache ({@link BatchState}): the tokens
 * of several sequences, one chunk each, concatenated in list order (a prefill chunk of many
 * tokens or a single decode token, each at its own positions). Sequence i's token at position p
 * keeps its K/V at slot {@code blockTable[p / blockSize] × blockSize + p % blockSize}: the pass
 * writes the slots of the tokens it computes and reads positions {@code [0, startPosition)} as
 * they are (a cached prefix or earlier steps). Two sequences may share blocks that neither writes.
 *
 * @param blockSize tokens per KV block
 * @param sequences the chunks, in the order their tokens (or hidden states) are laid out
 */
public record Batch(int blockSize, List<Sequence> sequences) {

    /**
     * One sequence's chunk.
     *
     * @param startPosition position of the chunk's first token (positions before it are in the cache)
     * @param numTokens     tokens in the chunk, ≥ 1
     * @param blockTable    physical block ids of the sequence, covering at least {@code startPosition + numTokens}
     * @param logits        whether the pass returns the logits of the chunk's last token
     */
    public record Sequence(int startPosition, int numTokens, int[] blockTable, boolean logits) {
        public Sequence {
            if (startPosition < 0 || numTokens < 1) {
                throw new IllegalArgumentException("a chunk needs startPosition >= 0 and numTokens >= 1, got "
                        + startPosition + " and " + numTokens);
            }
            blockTable = blockTable.clone();
        }

        @Override
        public int[] blockTable() {
            return blockTable.clone();
        }

        int[] table() {
            return blockTable;
        }

        int endPosition() {
            return startPosition + numTokens;
        }
    }

    public Batch {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        }
        sequences = List.copyOf(sequences);
        for (int i = 0; i < sequences.size(); i++) {
            Sequence s = sequences.get(i);
            if ((long) s.table().length * blockSize < s.endPosition()) {
                throw new IllegalArgumentException("sequence " + i + ": block table of " + s.table().length
                        + " blocks x " + blockSize + " cannot hold positions up to " + s.endPosition());
            }
        }
    }

    /** Tokens of all chunks. */
    public int numTokens() {
        int n = 0;
        for (Sequence s : sequences) {
            n += s.numTokens();
        }
        return n;
    }

    /** Chunks whose last token's logits the pass returns. */
    public int numLogits() {
        int n = 0;
        for (Sequence s : sequences) {
            n += s.logits() ? 1 : 0;
        }
        return n;
    }

    /** The block tables, in sequence order (shared, not copies). */
    int[][] tables() {
        int[][] t = new int[sequences.size()][];
        for (int i = 0; i < t.length; i++) {
            t[i] = sequences.get(i).table();
        }
        return t;
    }
}
