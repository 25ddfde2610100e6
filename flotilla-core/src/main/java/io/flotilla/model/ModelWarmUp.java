package io.flotilla.model;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.kernel.Compute;
import io.flotilla.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Compiles a model's hot code before its first prompt. Until C2 has compiled a Vector API kernel,
 * the interpreter and C1 run the API's Java fallback, one to two orders of magnitude slower than
 * the compiled loop: a cold 1B model needed seconds for its first token. The warm-up runs the
 * matrix kernels of every weight type the model uses, on its own first rows ({@link #ROWS} rows of
 * one tensor per type, full width: the real loop shape), for one token and for a four-token tile
 * plus one, on a thread of its own with its own one-thread {@link Compute}, until the kernels are
 * compiled (its rounds become an order of magnitude faster), {@link #ROUNDS} rounds are done or
 * {@link #BUDGET_NANOS} have passed. The norms and element-wise steps are warmed on vectors of the
 * model's width. {@code -Dflotilla.warmup=false} turns it off.
 *
 * <p>{@link Model#forward} waits for a running warm-up (at most its budget) before its first pass:
 * the interpreted pass and the warm-up would otherwise share the cores with the JIT compiler, and
 * the interpreted pass makes no progress worth having.
 */
public final class ModelWarmUp implements AutoCloseable {
    /** Rows of each sampled tensor that the warm-up multiplies. */
    static final int ROWS = 16;
    /** At most this many rounds (each: the products of every type): past C2's thresholds. */
    static final int ROUNDS = 300;
    static final boolean ENABLED = !"false".equals(System.getProperty("flotilla.warmup"));
    /** Smaller models are not warmed up: their first pass costs less than the warm-up. */
    static final long MIN_FILE_BYTES = 64L << 20;
    /** The warm-up stops after this long even if it is not done (a loaded machine). */
    static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(4);

    private final List<WeightMatrix> samples;
    private final int dim;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopped;
    private volatile long elapsedNanos = -1;
    private volatile Thread thread;

    ModelWarmUp(List<WeightMatrix> samples, int dim) {
        this.samples = samples;
        this.dim = dim;
    }

    /**
     * A warm-up of {@code file}'s weight types for a model of width {@code dim}; {@link #start()} runs
     * it. Files under {@link #MIN_FILE_BYTES} get a warm-up that does nothing.
     */
    static ModelWarmUp of(GgufFile file, int dim) {
        return new ModelWarmUp(file.fileSize() < MIN_FILE_BYTES ? List.of() : samples(file), dim);
    }

    /** The first {@link #ROWS} rows of the first tensor (of two or three dimensions) of each weight type. */
    static List<WeightMatrix> samples(GgufFile file) {
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        List<WeightMatrix> out = new ArrayList<>();
        for (GgufTensorInfo t : file.tensors()) {
            if (t.dims() < 2 || !t.type().supported() || !seen.add(t.type())) {
                continue;
            }
            int cols = Math.toIntExact(t.ne(0));
            int rows = (int) Math.min(ROWS, t.ne(1));
            long bytes = t.type().byteSize(cols) * rows;
            out.add(PackedWeights.of(WeightMatrix.of(t.type(), file.data(t).asSlice(0, bytes), rows, cols)));
        }
        return out;
    }

    /**
     * Starts the warm-up on a daemon thread (once; not for small models, nor with the system property
     * {@code flotilla.warmup=false}); returns this.
     */
    public synchronized ModelWarmUp start() {
        if (thread == null && !samples.isEmpty() && !stopped && ENABLED) {
            thread = Thread.ofPlatform().daemon().name("flotilla-warm-up").start(this::run);
        }
        return this;
    }

    /** Runs the warm-up on the calling thread. */
    void run() {
        long t0 = System.nanoTime();
        try (Compute compute = new Compute(1)) {
            float[][] inputs = new float[samples.size()][];
            float[][] outputs = new float[samples.size()][];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = input(5 * samples.get(i).cols());
                outputs[i] = new float[5 * samples.get(i).rows()];
            }
            RoundClock clock = new RoundClock();
            for (int round = 0; round < ROUNDS && !stopped && System.nanoTime() - t0 < BUDGET_NANOS; round++) {
                long r0 = System.nanoTime();
                for (int i = 0; i < inputs.length && !stopped; i++) {
                    // one token (decode), then a four-token tile and one more token (prefill)
                    compute.matMul(samples.get(i), inputs[i], 1, outputs[i]);
                    compute.matMul(samples.get(i), inputs[i], 5, outputs[i]);
                }
                elementWise(round);
                if (clock.compiled(System.nanoTime() - r0)) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            // the logger only here: initializing logging costs start-up time that a warm-up must not add
            LoggerFactory.getLogger(ModelWarmUp.class).warn("warm-up failed; the first prompt runs with cold kernels", e);
        } finally {
            elapsedNanos = System.nanoTime() - t0;
            done.countDown();
        }
    }

    /**
     * Tells from round times when the kernels are compiled: a round of C2 code takes one to two
     * orders of magnitude less than the rounds before it (C1 and the interpreter run the Vector
     * API's Java fallback). Done after {@link #FAST_ROUNDS} rounds in a row under a tenth of the
     * median of rounds 1 to 5 (round 0 also loads classes).
     */
    static final class RoundClock {
        static final int FAST_ROUNDS = 5;
        private final long[] early = new long[5];
        private int rounds;
        private long slowBar;
        private int fast;

        boolean compiled(long nanos) {
            int r = rounds++;
            if (r == 0) {
                return false;
            }
            if (r <= early.length) {
                early[r - 1] = nanos;
                if (r == early.length) {
                    long[] sorted = early.clone();
                    Arrays.sort(sorted);
                    slowBar = sorted[sorted.length / 2] / 10;
                }
                return false;
            }
            fast = nanos < slowBar ? fast + 1 : 0;
            return fast >= FAST_ROUNDS;
        }
    }

    private static float[] input(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 7 - 3) * 0.25f;
        }
        return x;
    }

    /** The norms and element-wise steps of a layer on one token's vectors. */
    private void elementWise(int round) {
        float[] x = new float[dim];
        float[] y = new float[dim];
        float[] weight = new float[dim];
        Arrays.fill(weight, 1f);
        x[round % dim] = 1f;
        VectorOps.rmsNorm(x, y, weight, 1, dim, 1e-5f);
        VectorOps.add(x, y, dim);
        VectorOps.swiGlu(x, y, dim);
        VectorOps.softmax(y, 0, dim);
    }

    /** Waits until the warm-up has finished, at most its budget. */
    public void await() {
        if (thread == null) {
            return;
        }
        try {
            done.await(BUDGET_NANOS, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the warm-up has finished (or was never started). */
    public boolean isDone() {
        return thread == null || done.getCount() == 0;
    }

    /** How long the warm-up ran, or -1 while it runs. */
    public long elapsedNanos() {
        return elapsedNanos;
    }

    /** Stops the warm-up after its current product and waits for it: the model's file may be closed next. */
    @Override
    public void close() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
