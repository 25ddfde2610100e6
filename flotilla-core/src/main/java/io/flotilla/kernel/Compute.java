package io.flotilla.kernel;

import io.flotilla.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The compute context of one model instance: a fixed number of threads that split the rows of
 * each matrix product between them. The calling thread takes a share itself, so
 * {@code threads = 1} runs everything on the caller.
 */
public final class Compute implements AutoCloseable {
    /** Work on the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private final int threads;
    private ExecutorService pool;

    public Compute(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
    }

    public int threads() {
        return threads;
    }

    /** {@code out[t][r] = W[r] · x[t]} for n tokens: x is n×cols, out is n×rows, both row-major. */
    public void matMul(WeightMatrix w, float[] x, int n, float[] out) {
        parallelFor(w.rows(), (r0, r1) -> w.matMul(x, n, out, r0, r1));
    }

    /** Splits [0, n) into at most {@code threads} contiguous ranges and runs them concurrently. */
    public void parallelFor(int n, RangeBody body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        ExecutorService p = pool();
        for (int i = 1; i < parts; i++) {
            int s = (int) ((long) n * i / parts);
            int e = (int) ((long) n * (i + 1) / parts);
            futures.add(p.submit(() -> body.run(s, e)));
        }
        body.run(0, (int) ((long) n / parts));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for compute threads", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("compute thread failed", e.getCause());
            }
        }
    }

    private synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "flotilla-compute");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }
}
