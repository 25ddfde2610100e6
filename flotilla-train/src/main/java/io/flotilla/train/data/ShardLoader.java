package io.flotilla.train.data;

import io.flotilla.train.model.Rng;

/**
 * Hands out training batches from one worker's shard, split one of two ways ({@link Split}):
 * {@code CONTIGUOUS}, worker {@code w} of {@code n} owns the token range
 * {@code [w·len/n, (w+1)·len/n)} (federated clients that each hold their own, non-IID part), or
 * {@code INTERLEAVED}, the windows of the whole text are dealt out in turn from one seeded order
 * that every worker computes alike (an IID split: each worker's batches are a uniform sample of
 * the text, disjoint from the others'). Each epoch cuts the range into windows of
 * {@code seq + 1} tokens starting at a seeded random offset and visits them in a seeded random
 * order; the position (epoch, cursor) is all a checkpoint needs to resume exactly. With one worker
 * both splits read the same stream.
 */
public final class ShardLoader {

    /** Where the loader stands: the epoch and the next window in that epoch's order. */
    public record Position(long epoch, int cursor) {}

    /** How the text is divided between workers. */
    public enum Split {
        /** Worker {@code w} of {@code n} owns the {@code w}-th contiguous {@code n}-th of the text (non-IID). */
        CONTIGUOUS,
        /** Every window of the text, dealt to the workers in turn from one shared shuffled order (IID). */
        INTERLEAVED
    }

    private final int[] tokens;
    private final int lo;
    private final int hi;
    private final int seq;
    private final long seed;
    private final int worker;
    private final int stride;
    private int[] order;
    private int offset;
    private long epoch;
    private int cursor;

    /** A contiguous shard ({@link Split#CONTIGUOUS}). */
    public ShardLoader(int[] tokens, int worker, int workers, int seq, long seed) {
        this(tokens, worker, workers, seq, seed, Split.CONTIGUOUS);
    }

    public ShardLoader(int[] tokens, int worker, int workers, int seq, long seed, Split split) {
        if (workers <= 0 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("worker " + worker + " of " + workers);
        }
        boolean contiguous = split == Split.CONTIGUOUS;
        this.tokens = tokens;
        this.lo = contiguous ? (int) ((long) tokens.length * worker / workers) : 0;
        this.hi = contiguous ? (int) ((long) tokens.length * (worker + 1) / workers) : tokens.length;
        this.worker = contiguous ? 0 : worker;
        this.stride = contiguous ? 1 : workers;
        this.seq = seq;
        this.seed = seed;
        if (hi - lo < 2 * stride * (seq + 1)) {
            throw new IllegalArgumentException("shard " + worker + "/" + workers + " has " + (hi - lo) / stride
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
        if (stride > 1) { // this worker's turns in the shared order
            int[] mine = new int[windows / stride];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = order[i * stride + worker];
            }
            order = mine;
        }
        if (p.cursor() < 0 || p.cursor() > order.length) {
            throw new IllegalArgumentException("cursor " + p.cursor() + " outside epoch of " + order.length + " windows");
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
