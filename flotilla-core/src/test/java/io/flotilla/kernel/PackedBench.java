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
 * Not a unit test: the one-token product of a 2048×8192 matrix on one thread, GGUF rows
 * ({@link Q4_0Kernel#dot}, {@link Q8_0Kernel#dot}) against packed rows (the packed kernels),
 * taking turns in one JVM; prints GB/s of weights (median by CPU time over the rounds) and the
 * ratio, and checks that both give the same floats. Run after {@code mvn -o -q -pl flotilla-core test-compile}:
 * <pre>java --add-modules jdk.incubator.vector -cp flotilla-core/target/classes:flotilla-core/target/test-classes \
 *   io.flotilla.kernel.PackedBench Q4_0 Q8_0</pre>
 */
public final class PackedBench {
    private static final int ROUNDS = Integer.getInteger("rounds", 9);
    private static final int PRODUCTS = Integer.getInteger("products", 40);

    private PackedBench() {
    }

    public static void main(String[] args) {
        for (String name : args.length > 0 ? args : new String[] {"Q4_0", "Q8_0"}) {
            run(GgmlType.valueOf(name));
        }
    }

    private static void run(GgmlType type) {
        WeightMatrix w = matrix(type, Integer.getInteger("cols", MatVecBench.COLS));
        WeightMatrix p = PackedMatrix.pack(w, Arena.ofAuto());
        DotKernel gguf = Kernels.of(w);
        DotKernel packed = Kernels.of(p);
        Random r = new Random(3);
        float[] x = new float[w.cols()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Activations a = new Activations();
        a.reset(x, 1, w.cols());
        a.quantize(false);
        a.interleave();
        float[] scratch = new float[Math.max(gguf.scratch(w.cols()), packed.scratch(w.cols()))];
        float[] o1 = new float[w.rows()];
        float[] o2 = new float[w.rows()];
        double bytes = w.data().byteSize();
        double[] g = new double[ROUNDS];
        double[] k = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            g[round] = bytes * PRODUCTS / time(gguf, w, a, o1, scratch);
            k[round] = bytes * PRODUCTS / time(packed, p, a, o2, scratch);
        }
        if (!Arrays.equals(o1, o2)) {
            throw new AssertionError(type + ": packed results differ from the GGUF kernel's");
        }
        Arrays.sort(g);
        Arrays.sort(k);
        System.out.printf(Locale.ROOT, "%s 1 thread, GB/s median (min-max) of %d rounds: gguf %.2f (%.2f-%.2f)"
                + "  packed %.2f (%.2f-%.2f)  ratio %.2f  results identical%n", type, ROUNDS, g[ROUNDS / 2], g[0],
                g[ROUNDS - 1], k[ROUNDS / 2], k[0], k[ROUNDS - 1], k[ROUNDS / 2] / g[ROUNDS / 2]);
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

    /** CPU nanoseconds of {@link #PRODUCTS} products. */
    private static long time(DotKernel kernel, WeightMatrix w, Activations a, float[] out, float[] scratch) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long rowBytes = w.type().byteSize(w.cols());
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < PRODUCTS; i++) {
            for (int row = 0; row < w.rows(); row++) {
                out[row] = kernel.dot(w.data(), row * rowBytes, a, 0, scratch);
            }
        }
        return mx.getCurrentThreadCpuTime() - c0;
    }
}
