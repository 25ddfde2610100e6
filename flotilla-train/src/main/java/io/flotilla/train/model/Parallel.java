package io.flotilla.train.model;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits a range of rows across a fixed number of threads (the caller is one of them). Each
 * output element is computed by exactly one thread in the same order as on one thread, so
 * results do not depend on the thread count.
 */
public final class Parallel implements AutoCloseable {

    /** Work on the half-open range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Runs everything on the calling thread. */
    public static final Parallel SERIAL = new Parallel(1);

    private final int threads;
    private final ExecutorService pool;
    private final Future<?>[] pending;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "flotilla-train-worker");
            t.setDaemon(true);
            return t;
        });
        this.pending = new Future<?>[Math.max(0, threads - 1)];
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, n)} split into contiguous chunks, one per thread. */
    public void forRange(int n, RangeTask task) {
        int parts = Math.min(threads, Math.max(1, n / 4));
        if (parts == 1) {
            task.run(0, n);
            return;
        }
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            pending[p - 1] = pool.submit(() -> task.run(from, to));
        }
        task.run(0, n / parts);
        for (int p = 1; p < parts; p++) {
            try {
                pending[p - 1].get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a worker", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("worker failed", e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
