package io.flotilla.model;

/**
 * Where the tokens of one forward pass belong. Token t is at position {@code position(t)} of
 * sequence {@code sequence(t)}; that sequence keeps the K/V of position p at slot
 * {@code table[p / blockSize] × blockSize + p % blockSize} of each layer's {@link KvLayer}. One
 * sequence with its own contiguous cache is the case of one table {@code {0}} and
 * {@code blockSize} = the cache's capacity (slot = position), so the single-sequence and the
 * batched forward run the same code. Owned by an {@link Activations}; reset before each pass.
 */
public final class TokenLayout {
    private static final int[][] CONTIGUOUS = {{0}};

    private final int[] position; // [batch]
    private final int[] sequence; // [batch] index into tables
    private int[][] tables;       // [sequences][blocks] physical block ids
    private int blockSize;
    private int n;

    TokenLayout(int batch) {
        position = new int[batch];
        sequence = new int[batch];
        tables = CONTIGUOUS;
        blockSize = 1;
    }

    /** {@code n} tokens of one sequence with a contiguous cache of {@code capacity} slots, from {@code start}. */
    void contiguous(int start, int n, int capacity) {
        this.tables = CONTIGUOUS;
        this.blockSize = capacity;
        this.n = n;
        for (int t = 0; t < n; t++) {
            position[t] = start + t;
            sequence[t] = 0;
        }
    }

    /** The tokens of {@code batch}, in its order (sequence by sequence); {@code tables} = its block tables. */
    void paged(Batch batch, int[][] tables) {
        this.tables = tables;
        this.blockSize = batch.blockSize();
        int t = 0;
        for (int s = 0; s < tables.length; s++) {
            Batch.Sequence seq = batch.sequences().get(s);
            for (int i = 0; i < seq.numTokens(); i++, t++) {
                position[t] = seq.startPosition() + i;
                sequence[t] = s;
            }
        }
        this.n = t;
    }

    /** Tokens in the pass. */
    public int size() {
        return n;
    }

    public int position(int t) {
        return position[t];
    }

    int sequence(int t) {
        return sequence[t];
    }

    int blockSize() {
        return blockSize;
    }

    /** Block ids of sequence {@code s}. */
    int[] table(int s) {
        return tables[s];
    }

    /** The KV slot of token t's own position (where its K/V are written). */
    int slot(int t) {
        int p = position[t];
        return tables[sequence[t]][p / blockSize] * blockSize + p % blockSize;
    }
}
