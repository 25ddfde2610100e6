package io.flotilla.train.data;

import io.flotilla.train.model.Rng;

/**
 * Hands out training batches from one worker's shard: worker {@code w} of {@code n} owns the
 * contiguous token range {@code [w·len/n, (w+1)·len/n)}. Each epoch cuts the shard into windows of
 * {@code seq + 1} tokens starting at a seeded random offset, visits them in a seeded random order,
 * and moves on; the position (epoch, cursor) is all a checkpoint needs to resume exactly.
 */
public final class ShardLoader {

    /** Where the loader stands: the epoch and the next window in that epoch's order. */
    public record Position(long epoch, int cursor) {}

    private final int[] tokens;
    private final int lo;
    private final int hi;
    private final int seq;
    private final long seed;
    private int[] order;
    private int offset;
    private long epoch;
    private int cursor;

    public ShardLoader(int[] tokens, int worker, int workers, int seq, long seed) {
        if (workers <= 0 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("worker " + worker + " of " + workers);
        }
        this.tokens = tokens;
        this.lo = (int) ((long) tokens.length * worker / workers);
        this.hi = (int) ((long) tokens.length * (worker + 1) / workers);
        this.seq = seq;
        this.seed = seed;
        if (hi - lo < 2 * (seq + 1)) {
            throw new IllegalArgumentException("shard " + worker + "/" + workers + " has " + (hi - lo)
                    + " tokens, fewer than two windows of " + (seq + 1));
        }
        seek(new Position(0, 0));
    }

    public Position position() {
        return new Position(epoch, cursor);
    }

    /** Moves to a saved position. */
    public void seek(Position p) {
        epoch = p.epoch();
        Rng rng = new Rng(seed * 0x9E3779B97F4A7C15L + epoch);
        offset = rng.nextInt(seq);
        int windows = (hi - lo - offset - 1) / seq;
        order = new int[windows];
        for (int i = 0; i < windows; i++) {
            order[i] = i;
        }
        rng.shuffle(order);
        if (p.cursor() < 0 || p.cursor() > windows) {
            throw new IllegalArgumentException("cursor " + p.cursor() + " outside epoch of " + windows + " windows");
        }
        cursor = p.cursor();
    }

    /** Fills {@code inputs[batch * seq]} and the next-token {@code targets}. */
    public void next(int[] inputs, int[] targets, int batch) {
        for (int b = 0; b < batch; b++) {
            if (cursor == order.length) {
                seek(new Position(epoch + 1, 0));
            }
            int start = lo + offset + order[cursor++] * seq;
            System.arraycopy(tokens, start, inputs, b * seq, seq);
            System.arraycopy(tokens, start + 1, targets, b * seq, seq);
        }
    }
}
