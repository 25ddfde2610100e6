package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a unit test: the one-token product of a matrix ({@code -Drows}, {@code -Dcols}) on one
 * thread, GGUF rows ({@link Q4_0Kernel#dot}, {@link Q8_0Kernel#dot}) against packed rows in
 * stripes of 1, 2 and 4 rows ({@link PackedKernel#rows}: whole stripes together), taking turns in
 * one JVM; prints GB/s of weights (median by CPU time over the rounds) and the ratio to GGUF, and
 * checks that all give the same floats. Run after {@code mvn -o -q -pl flotilla-core test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -cp flotilla-core/target/classes:flotilla-core/target/test-classes \
 *   -Drows=128 -Dcols=2048 -Dproducts=2500 io.flotilla.kernel.PackedBench Q4_0 Q8_0</pre>
 */
public final class PackedBench {
    private static final int ROUNDS = Integer.getInteger("rounds", 9);
    private static final int PRODUCTS = Integer.getInteger("products", 40);
    private static final int[] STRIPES = {1, 2, 4};

    private PackedBench() {
    }

    public static void main(String[] args) {
        for (String name : args.length > 0 ? args : new String[] {"Q4_0", "Q8_0"}) {
            run(GgmlType.valueOf(name));
        }
    }

    private static void run(GgmlType type) {
        WeightMatrix w = matrix(type, Integer.getInteger("cols", MatVecBench.COLS));
        WeightMatrix[] p = new WeightMatrix[STRIPES.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = PackedMatrix.pack(w, Arena.ofAuto(), STRIPES[i]);
        }
        Random r = new Random(3);
        float[] x = new float[w.cols()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Activations a = new Activations();
        a.reset(x, 1, w.cols());
        a.quantize(false);
        a.interleave();
        float[] scratch = new float[Math.max(Kernels.of(w).scratch(w.cols()), Kernels.of(p[p.length - 1]).scratch(w.cols()))];
        float[] expected = new float[w.rows()];
        float[] out = new float[w.rows()];
        double bytes = w.data().byteSize();
        double[][] gbs = new double[1 + p.length][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            gbs[0][round] = bytes * PRODUCTS / time(w, a, expected, scratch);
            for (int i = 0; i < p.length; i++) {
                gbs[1 + i][round] = bytes * PRODUCTS / time(p[i], a, out, scratch);
                if (!Arrays.equals(expected, out)) {
                    throw new AssertionError(type + ": packed results (stripe " + STRIPES[i] + ") differ from the GGUF kernel's");
                }
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %dx%d, 1 thread, GB/s median (min-max) of %d rounds: gguf %s",
                type, w.rows(), w.cols(), ROUNDS, median(gbs[0])));
        for (int i = 0; i < p.length; i++) {
            line.append(String.format(Locale.ROOT, "  stripe %d %s (%.2fx)", STRIPES[i], median(gbs[1 + i]),
                    mid(gbs[1 + i]) / mid(gbs[0])));
        }
        System.out.println(line.append("  results identical"));
    }

    private static double mid(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", s[s.length / 2], s[0], s[s.length - 1]);
    }

    /** One quantized random row, copied to every row. */
    private static WeightMatrix matrix(GgmlType type, int cols) {
        Random r = new Random(7);
        float[] row = new float[cols];
        for (int i = 0; i < cols; i++) {
            row[i] = (float) (r.nextGaussian() * 0.02);
        }
        byte[] q = io.flotilla.quant.Quantizer.quantize(type, row);
        java.lang.foreign.MemorySegment data = Arena.ofAuto().allocate((long) q.length * MatVecBench.ROWS, 64);
        for (int i = 0; i < MatVecBench.ROWS; i++) {
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(q), 0, data, (long) i * q.length, q.length);
        }
        return WeightMatrix.of(type, data, MatVecBench.ROWS, cols);
    }

    /** CPU nanoseconds of {@link #PRODUCTS} products, as {@link Compute} runs them on one thread. */
    private static long time(WeightMatrix w, Activations a, float[] out, float[] scratch) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        DotKernel kernel = Kernels.of(w);
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < PRODUCTS; i++) {
            Kernels.rows(kernel, w, a, out, 0, w.rows(), true, scratch, 0);
        }
        return mx.getCurrentThreadCpuTime() - c0;
    }
}
