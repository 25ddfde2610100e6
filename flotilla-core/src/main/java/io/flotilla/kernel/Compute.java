package io.flotilla.kernel;

import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The compute context of one model instance: {@code threads} threads (the caller and
 * {@code threads - 1} persistent workers, started on first use) that split the rows of each
 * matrix product between them.
 *
 * <p>Hand-off: the caller publishes a task by bumping a generation counter and unparking the
 * workers; a worker that finishes spins for at most {@link #SPIN_NANOS} waiting for the next
 * generation (decode issues matrix products back to back) and then parks, so an idle context
 * burns no core that another node on the same machine could use. No futures or lambdas are
 * allocated per call; {@link #matMul} quantizes the activations once per call, on the caller,
 * into buffers this object owns.
 *
 * <p>One caller at a time: a Compute is not for concurrent use, and a body run by
 * {@link #parallelFor} must not call back into the same Compute.
 */
public final class Compute implements AutoCloseable {
    /** Work on the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** How long an idle thread spins for the next task before parking. */
    static final long SPIN_NANOS = 50_000;
    /** Rows of a matrix product are handed out in about this many chunks per thread (then smaller ones). */
    static final int CHUNKS_PER_THREAD = 8;
    /**
     * The same for the native one-token products: each call restarts its row streams (the kernels
     * prefetch a pass ahead within a call), so fewer, larger chunks read faster (1B Q4_0, 2 threads,
     * quiet, three alternating runs each: 39.5 tok/s with 8 chunks per thread, 40.3 with 2 or 1).
     */
    static final int NATIVE_CHUNKS_PER_THREAD = 2;
    private static final int MIN_CHUNK_ROWS = 16;
    /**
     * Native one-token chunks shrink to a share of 1 / threads of the rows left (not 1 / (2 threads)) and
     * no smaller than this: fewer calls, each restarting its row streams (C harness, 2 threads: 16-row
     * calls read 9 % slower than whole ranges, 64-row ones 6 %). 1B Q4_0 at 2 threads, quiet, nine
     * alternating pairs against 16 rows and 1 / (2 threads): +0.3 to +6.6 %, every pair faster, +2 % typical.
     */
    static final int NATIVE_MIN_CHUNK_ROWS = 64;

    private final int threads;
    private final boolean vector;
    /**
     * Whether the native kernels serve the types they have: one-token products ({@link NativeMatVec}) and,
     * where the CPU has AMX, products of many tokens ({@link NativeGemm}).
     */
    private final boolean nativeKernels;
    private final NativeMatVec nativeMatVec = new NativeMatVec();
    /**
     * Whether batch-invariant many-token products of formats with tiles run through {@link Tiles}; off
     * (system property {@code flotilla.tiles=false}) they use {@code dot4}, to compare. Results are the
     * same bit for bit either way.
     */
    boolean tiles = !"false".equals(System.getProperty("flotilla.tiles"));
    /**
     * Whether products of many tokens keep the one-token results bit for bit (system property
     * {@code flotilla.batchInvariant=true}): {@link Tiles} and {@code dot4} on 8-bit activations
     * instead of the float {@link Gemm}, which is faster but gives a token results that differ, within
     * float rounding, from those it gets alone.
     */
    boolean batchInvariant = Boolean.getBoolean("flotilla.batchInvariant");
    private final Activations activations = new Activations();
    /** The activations of a product through {@link NativeGemm}, quantized once per call on the caller. */
    private final NativeGemm.Prepared prepared = new NativeGemm.Prepared();
    private final MatMulTask matMulTask;
    /** The matrices and outputs of a fused {@link #matMul} call, held only during the call. */
    private final WeightMatrix[] fused = new WeightMatrix[3];
    private final float[][] fusedOut = new float[3][];
    private final AtomicInteger pending = new AtomicInteger();
    private Thread[] workers;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;
    private RangeBody body;
    private int total;

    /** As many threads as the machine has cores. */
    public Compute() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public Compute(int threads) {
        this(threads, Kernels.VECTOR);
    }

    /** {@code vector = false} runs the scalar twins of the kernels (for tests and comparison). */
    Compute(int threads, boolean vector) {
        this(threads, vector, vector && NativeKernels.available());
    }

    /**
     * {@code nativeKernels}: whether products of the types the native library has run there (one-token
     * products, and many-token ones on AMX)
     * (default: {@link NativeKernels#available()}, {@code -Dflotilla.native=false} turns it off).
     */
    Compute(int threads, boolean vector, boolean nativeKernels) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.matMulTask = new MatMulTask();
        this.vector = vector;
        this.nativeKernels = nativeKernels && NativeKernels.available();
    }

    public int threads() {
        return threads;
    }

    /** Sets {@link #batchInvariant} (default: the system property {@code flotilla.batchInvariant}); returns this. */
    public Compute batchInvariant(boolean on) {
        this.batchInvariant = on;
        return this;
    }

    /** {@code out[t][r] = W[r] · x[t]} for n tokens: x is n×cols, out is n×rows, both row-major. */
    public void matMul(WeightMatrix w, float[] x, int n, float[] out) {
        if ((long) n * w.rows() > out.length) {
            throw new IllegalArgumentException("out has " + out.length + " floats, need n*rows = " + n + "*" + w.rows());
        }
        DotKernel k = Kernels.of(w);
        activations.reset(x, n, w.cols());
        boolean nativeGemm = nativeKernels && !batchInvariant && NativeGemm.use(w, n);
        boolean gemm = !nativeGemm && vector && !batchInvariant && Gemm.use(k, n, w.cols());
        boolean nat = !gemm && !nativeGemm && nativeKernels && NativeMatVec.serves(w);
        if (nativeGemm) {
            prepared.prepare(x, n, w.cols(), w.type().blockSize() == Activations.SUPER_BLOCK);
        } else if (nat) { // quantized in the native library, as Activations does (Q8_K for K-quants)
            nativeMatVec.quantize(x, n, w.cols(), w.type().blockSize() == Activations.SUPER_BLOCK);
            HugePages.request(w.data());
        } else if (k.quantized() && !gemm) {
            activations.quantize(w.type().blockSize() == Activations.SUPER_BLOCK); // Q8_K for K-quants
            if (w.packed()) {
                activations.interleave();
            }
        }
        matMulTask.set(k, w, out, gemm, nat, nativeGemm);
        try {
            if (threads == 1) {
                matMulTask.rows(0, w.rows(), 0);
            } else {
                parallelFor(threads, matMulTask);
            }
        } finally {
            matMulTask.set(null, null, null, false, false, false);
        }
    }

    /**
     * {@code o1 = w1 · x} and {@code o2 = w2 · x} for two matrices that read the same activations (a
     * feed-forward's gate and up), as two {@link #matMul} calls would give them, bit for bit. Where the
     * native one-token kernels serve both, the activations are quantized once and the rows of both are
     * handed out in one parallel region, so the threads meet once instead of twice.
     */
    public void matMul(float[] x, int n, WeightMatrix w1, float[] o1, WeightMatrix w2, float[] o2) {
        fused[0] = w1;
        fused[1] = w2;
        fusedOut[0] = o1;
        fusedOut[1] = o2;
        matMulFused(x, n, 2);
    }

    /** The same for three matrices (a layer's q, k and v projections). */
    public void matMul(float[] x, int n, WeightMatrix w1, float[] o1, WeightMatrix w2, float[] o2,
                       WeightMatrix w3, float[] o3) {
        fused[0] = w1;
        fused[1] = w2;
        fused[2] = w3;
        fusedOut[0] = o1;
        fusedOut[1] = o2;
        fusedOut[2] = o3;
        matMulFused(x, n, 3);
    }

    private void matMulFused(float[] x, int n, int count) {
        try {
            WeightMatrix first = fused[0];
            boolean superBlocks = first.type().blockSize() == Activations.SUPER_BLOCK;
            boolean together = true;
            for (int i = 0; i < count; i++) {
                WeightMatrix w = fused[i];
                if ((long) n * w.rows() > fusedOut[i].length) {
                    throw new IllegalArgumentException("out " + (i + 1) + " has " + fusedOut[i].length
                            + " floats, need n*rows = " + n + "*" + w.rows());
                }
                together &= nativeOneToken(w, n) && w.cols() == first.cols()
                        && (w.type().blockSize() == Activations.SUPER_BLOCK) == superBlocks;
            }
            if (!together) {
                for (int i = 0; i < count; i++) {
                    matMul(fused[i], x, n, fusedOut[i]);
                }
                return;
            }
            nativeMatVec.quantize(x, n, first.cols(), superBlocks);
            for (int i = 0; i < count; i++) {
                HugePages.request(fused[i].data());
            }
            if (threads == 1) {
                for (int i = 0; i < count; i++) {
                    nativeMatVec.rows(fused[i], fusedOut[i], 0, fused[i].rows());
                }
                return;
            }
            matMulTask.setFused(count);
            try {
                parallelFor(threads, matMulTask);
            } finally {
                matMulTask.set(null, null, null, false, false, false);
            }
        } finally {
            Arrays.fill(fused, null);
            Arrays.fill(fusedOut, null);
        }
    }

    /** Whether {@link #matMul} computes {@code w} times {@code n} tokens with the native one-token kernels. */
    private boolean nativeOneToken(WeightMatrix w, int n) {
        if (!nativeKernels || !NativeMatVec.serves(w) || !batchInvariant && NativeGemm.use(w, n)) {
            return false;
        }
        return !(vector && !batchInvariant && Gemm.use(Kernels.of(w), n, w.cols()));
    }

    /**
     * Whether {@code w} has a faster one-token kernel here once repacked ({@link PackedMatrix}: Q4_0
     * and Q8_0 on CPUs with 16 float lanes); results are the same bit for bit. Never when the native
     * kernels serve {@code w}'s type: they read the GGUF layout in place.
     */
    public static boolean packs(WeightMatrix w) {
        return Kernels.VECTOR && PackedKernel.USABLE && PackedMatrix.packable(w) && !readsInPlace(w);
    }

    /** Whether the native kernels serve {@code w}'s one-token products, reading its GGUF layout in place. */
    public static boolean readsInPlace(WeightMatrix w) {
        return Kernels.VECTOR && NativeMatVec.serves(w);
    }

    /** Splits [0, n) into {@code threads} contiguous ranges and runs them concurrently. */
    public void parallelFor(int n, RangeBody body) {
        if (closed) {
            throw new IllegalStateException("compute context is closed");
        }
        if (threads == 1 || n < 2) {
            body.run(0, n);
            return;
        }
        startWorkers();
        this.body = body;
        this.total = n;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(threads - 1);
        generation++; // publishes body and total
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        try {
            runShare(0);
        } finally {
            awaitWorkers();
            this.body = null;
        }
        Throwable f = failure;
        if (f instanceof RuntimeException re) {
            throw re;
        } else if (f instanceof Error e) {
            throw e;
        }
    }

    private void runShare(int index) {
        int s = (int) ((long) total * index / threads);
        int e = (int) ((long) total * (index + 1) / threads);
        if (s < e) {
            body.run(s, e);
        }
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() != 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    private synchronized void startWorkers() {
        if (workers != null) {
            return;
        }
        workers = new Thread[threads - 1];
        int seen = generation; // before the caller publishes the first task
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("flotilla-compute-" + index)
                    .unstarted(() -> work(index, seen));
            workers[i].start();
        }
    }

    private void work(int index, int seen) {
        while (true) {
            long start = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                runShare(index);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (workers != null) {
            for (Thread t : workers) {
                LockSupport.unpark(t);
            }
            workers = null;
        }
    }

    /**
     * The row body of {@link #matMul}, reused so that a call allocates nothing. Each thread takes
     * chunks of rows from a shared counter until none is left, rather than a fixed share: on a
     * machine shared with other processes a thread that loses its core for a while no longer holds
     * up the whole product (with fixed halves, 2 threads decoded slower than 1 under load). Chunks
     * shrink as the rows run out (a share of what is left, at most {@code chunk}), so the threads
     * finish close together instead of one waiting for the other's last large chunk. Which thread
     * or chunk computes a row does not change its value, so results stay deterministic
     * ({@code NativeMatVecTest.aRowIsTheSameBitsWhateverRangeComputesIt}).
     */
    private final class MatMulTask implements RangeBody {
        private final AtomicInteger next = new AtomicInteger(); // the first row no thread has taken
        private DotKernel kernel;
        private WeightMatrix w;
        private float[] out;
        private int chunk; // the largest chunk of rows a thread takes
        private int unit; // chunks are whole multiples of this many rows
        private final float[][] lanes = new float[threads][Lanes.SCRATCH]; // per thread, for dot4 and packed dot
        private int scratch;
        private final Tiles.Scratch[] tileScratch = new Tiles.Scratch[threads]; // per thread, made on first use
        private boolean tiled;
        private final Gemm.Scratch[] gemmScratch = new Gemm.Scratch[threads]; // per thread, made on first use
        private boolean gemm;
        private boolean nat;
        private final NativeGemm.Scratch[] nativeScratch = new NativeGemm.Scratch[threads]; // per thread, made on first use
        private boolean nativeGemm;
        /** Matrices of a fused call (0: one matrix, {@link #w}); their rows are numbered one after another. */
        private int fusedCount;
        private final int[] fusedStart = new int[fused.length + 1];

        void set(DotKernel kernel, WeightMatrix w, float[] out, boolean gemm, boolean nat, boolean nativeGemm) {
            this.kernel = kernel;
            this.w = w;
            this.out = out;
            this.gemm = gemm;
            this.nat = nat;
            this.nativeGemm = nativeGemm;
            this.fusedCount = 0;
            if (w != null) {
                tiled = !gemm && !nat && !nativeGemm && vector && tiles && Tiles.use(kernel, activations.n());
                if (tiled) {
                    activations.tile();
                }
                scratch = kernel.scratch(w.cols());
                next.set(0);
                // whole panels of rows (16: Gemm's panels, NativeGemm's tiles), else whole stripes of packed rows
                unit = gemm || nativeGemm ? Gemm.ROWS : PackedMatrix.MAX_STRIPE;
                int perThread = nat ? NATIVE_CHUNKS_PER_THREAD : CHUNKS_PER_THREAD;
                chunk = whole(Math.max(MIN_CHUNK_ROWS, w.rows() / (threads * perThread) + 1));
            }
        }

        /**
         * The native one-token products of {@code count} matrices of {@link #fused}, whose activations
         * {@link #nativeMatVec} holds: chunks are taken from their rows numbered one after another, and
         * never span two matrices.
         */
        void setFused(int count) {
            set(Kernels.of(fused[0]), fused[0], null, false, true, false);
            fusedCount = count;
            for (int i = 0; i < count; i++) {
                fusedStart[i + 1] = fusedStart[i] + fused[i].rows();
            }
            chunk = whole(Math.max(MIN_CHUNK_ROWS, fusedStart[count] / (threads * NATIVE_CHUNKS_PER_THREAD) + 1));
        }

        /** Run by thread {@code start} of a {@code parallelFor(threads, this)}: [start, start + 1). */
        @Override
        public void run(int start, int end) {
            int rows = fusedCount == 0 ? w.rows() : fusedStart[fusedCount];
            for (int r0 = next.get(); r0 < rows; r0 = next.get()) {
                int take = nat
                        ? Math.min(chunk, whole(Math.max(NATIVE_MIN_CHUNK_ROWS, (rows - r0) / threads)))
                        : Math.min(chunk, whole(Math.max(MIN_CHUNK_ROWS, (rows - r0) / (2 * threads))));
                int r1 = Math.min(rows, r0 + take);
                int m = 0;
                if (fusedCount > 0) { // the matrix of row r0, and the chunk cut at its last row
                    while (fusedStart[m + 1] <= r0) {
                        m++;
                    }
                    r1 = Math.min(r1, fusedStart[m + 1]);
                }
                if (next.compareAndSet(r0, r1)) {
                    if (fusedCount == 0) {
                        rows(r0, r1, start);
                    } else {
                        nativeMatVec.rows(fused[m], fusedOut[m], r0 - fusedStart[m], r1 - fusedStart[m]);
                    }
                }
            }
        }

        /** {@code rows} rounded up to whole units. */
        private int whole(int rows) {
            return (rows + unit - 1) / unit * unit;
        }

        void rows(int r0, int r1, int thread) {
            if (lanes[thread].length < scratch) {
                lanes[thread] = new float[scratch]; // grows once per thread to the widest row
            }
            if (nativeGemm) {
                if (nativeScratch[thread] == null) {
                    nativeScratch[thread] = new NativeGemm.Scratch();
                }
                NativeGemm.rows(w, prepared, out, r0, r1, nativeScratch[thread]);
            } else if (nat) {
                nativeMatVec.rows(w, out, r0, r1);
            } else if (gemm) {
                if (gemmScratch[thread] == null) {
                    gemmScratch[thread] = new Gemm.Scratch();
                }
                Gemm.rows(kernel, w, activations.x(), activations.n(), out, r0, r1, gemmScratch[thread]);
            } else if (tiled) {
                if (tileScratch[thread] == null) {
                    tileScratch[thread] = new Tiles.Scratch();
                }
                int t0 = Tiles.rows(kernel, w, activations, out, r0, r1, tileScratch[thread]);
                if (t0 < activations.n()) {
                    Kernels.rows(kernel, w, activations, out, r0, r1, vector, lanes[thread], t0);
                }
            } else {
                Kernels.rows(kernel, w, activations, out, r0, r1, vector, lanes[thread], 0);
            }
        }
    }
}
