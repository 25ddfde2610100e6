package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.quant.Quantizer;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a unit test: a quick benchmark of matrix-vector products (decode) and 16-token products
 * (prefill) on a 2048×8192 weight matrix per type, at 1 and 2 threads, printing GB/s of weights
 * read (see {@link #measure}; the scalar twin at one thread as the baseline). Run after
 * {@code mvn -o -q -pl flotilla-core test-compile} with
 * <pre>java --add-modules jdk.incubator.vector -cp flotilla-core/target/classes:flotilla-core/target/test-classes \
 *   io.flotilla.kernel.MatVecBench [TYPE ...]</pre>
 */
public final class MatVecBench {
    static final int ROWS = Integer.getInteger("rows", 2048);
    static final int COLS = Integer.getInteger("cols", 8192);
    static final int RUNS = Integer.getInteger("runs", 41);
    static final boolean SCALAR = Boolean.parseBoolean(System.getProperty("scalar", "true"));
    static final long WARMUP_MILLIS = Long.getLong("warmup", 2000);
    /**
     * Which columns to measure: d1, d2 (decode at 1, 2 threads), p1, p2 (16-token prefill through
     * the float GEMM from its threshold), b1, b2 (batch-invariant: the tiles where the format has them),
     * o1, o2 (batch-invariant without tiles: {@code dot4}), to compare.
     */
    static final String MODES = System.getProperty("modes", "d1,d2,p1,p2");
    /** Tokens of the prefill columns. */
    static final int TOKENS = Integer.getInteger("tokens", 16);

    private MatVecBench() {
    }

    public static void main(String[] args) {
        String[] types = args.length > 0 ? args
                : new String[] {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "Q5_K", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16", "F32"};
        System.out.printf(Locale.ROOT, "%s, %d cores, %s; %dx%d weights%n", System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), Lanes.F, ROWS, COLS);
        System.out.println("GB/s of weights read per product: median by caller CPU time / best by wall time, "
                + RUNS + " runs");
        System.out.printf(Locale.ROOT, "%-5s %6s %15s %15s %15s %15s %15s %15s %15s %15s %15s%n", "type", "MB", "scalar 1t",
                "decode 1t", "decode 2t", "prefill" + TOKENS + " 1t", "prefill" + TOKENS + " 2t", "tiles " + TOKENS + " 1t", "tiles " + TOKENS + " 2t", "dot4 " + TOKENS + " 1t",
                "dot4 " + TOKENS + " 2t");
        for (String name : types) {
            run(GgmlType.valueOf(name));
        }
    }

    private static void run(GgmlType type) {
        WeightMatrix w = matrix(type);
        double bytes = w.data().byteSize();
        Random r = new Random(1);
        float[] x = new float[TOKENS * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] out = new float[TOKENS * ROWS];
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5s %6.1f", type, bytes / 1e6));
        if (SCALAR) {
            try (Compute s = new Compute(1, false)) {
                line.append(measure(s, w, x, 1, out, bytes, 3));
            }
        } else {
            line.append(skipped());
        }
        try (Compute c1 = new Compute(1); Compute c2 = new Compute(2)) {
            line.append(MODES.contains("d1") ? measure(c1, w, x, 1, out, bytes, RUNS) : skipped());
            line.append(MODES.contains("d2") ? measure(c2, w, x, 1, out, bytes, RUNS) : skipped());
            line.append(MODES.contains("p1") ? measure(c1, w, x, TOKENS, out, bytes, RUNS) : skipped());
            line.append(MODES.contains("p2") ? measure(c2, w, x, TOKENS, out, bytes, RUNS) : skipped());
            c1.batchInvariant = true; // the bit-identical paths: tiles, then dot4
            c2.batchInvariant = true;
            line.append(MODES.contains("b1") ? measure(c1, w, x, TOKENS, out, bytes, RUNS) : skipped());
            line.append(MODES.contains("b2") ? measure(c2, w, x, TOKENS, out, bytes, RUNS) : skipped());
            c1.tiles = false;
            c2.tiles = false;
            line.append(MODES.contains("o1") ? measure(c1, w, x, TOKENS, out, bytes, RUNS) : skipped());
            line.append(MODES.contains("o2") ? measure(c2, w, x, TOKENS, out, bytes, RUNS) : skipped());
        }
        System.out.println(line);
    }

    private static String skipped() {
        return String.format(Locale.ROOT, " %15s", "-");
    }

    /**
     * GB/s over {@code runs} single products: the median by the caller's CPU time (robust to other
     * processes taking the core; meaningful for one thread) and the best by wall time.
     */
    private static String measure(Compute c, WeightMatrix w, float[] x, int n, float[] out, double bytes, int runs) {
        long warmEnd = System.nanoTime() + WARMUP_MILLIS * 1_000_000L; // let C2 finish, even on a busy machine
        while (System.nanoTime() < warmEnd) {
            c.matMul(w, x, n, out);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] cpu = new double[runs];
        double best = 0;
        for (int run = 0; run < runs; run++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            c.matMul(w, x, n, out);
            long t1 = System.nanoTime();
            cpu[run] = bytes / Math.max(1, mx.getCurrentThreadCpuTime() - c0);
            best = Math.max(best, bytes / (t1 - t0));
        }
        Arrays.sort(cpu);
        return String.format(Locale.ROOT, " %6.2f / %6.2f", cpu[runs / 2], best);
    }

    /** One quantized random row, copied to every row (speed does not depend on the values). */
    static WeightMatrix matrix(GgmlType type) {
        Random r = new Random(7);
        float[] row = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            row[i] = (float) (r.nextGaussian() * 0.02);
        }
        byte[] q = Quantizer.quantize(type, row);
        MemorySegment data = Arena.ofAuto().allocate((long) q.length * ROWS, 64);
        for (int i = 0; i < ROWS; i++) {
            MemorySegment.copy(MemorySegment.ofArray(q), 0, data, (long) i * q.length, q.length);
        }
        return WeightMatrix.of(type, data, ROWS, COLS);
    }
}
