package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a unit test: ns per token-block (32 weights × 1 token) of {@link Gemm}'s register block alone
 * on L1-resident data, then of whole products (1 thread) against the batch-invariant tiles in the
 * same JVM, taking turns. Run after {@code mvn -o -q -pl flotilla-core test-compile} with
 * <pre>java --add-modules jdk.incubator.vector -cp flotilla-core/target/classes:flotilla-core/target/test-classes \
 *   io.flotilla.kernel.GemmBench [TYPE [ROWS COLS [TOKENS...]]]</pre>
 */
public final class GemmBench {
    private GemmBench() {
    }

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args.length > 0 ? args[0] : "Q4_0");
        int rows = args.length > 2 ? Integer.parseInt(args[1]) : 2048;
        int cols = args.length > 2 ? Integer.parseInt(args[2]) : 8192;
        int[] tokens = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {16, 128};
        block();
        WeightMatrix w = matrix(type, rows, cols);
        for (int n : tokens) {
            products(w, n);
        }
    }

    /** The 4 × 4 block over 256 columns, L1-resident, best of 9 rounds. */
    private static void block() {
        float[] p = new float[4 * 256];
        float[] x = new float[4 * 256];
        float[] acc = new float[16 * Gemm.ROWS * Lanes.N];
        Arrays.fill(p, 0.5f);
        Arrays.fill(x, 0.25f);
        int calls = 200_000;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 9; round++) {
            long t0 = cpu();
            for (int i = 0; i < calls; i++) {
                Gemm.block(p, 0, 256, x, 0, 256, 256, acc, 0);
            }
            best = Math.min(best, (cpu() - t0) / (calls * 16.0 * 8));
        }
        System.out.printf(Locale.ROOT, "block 4x4 in L1: %.3f ns per token-block%n", best);
    }

    private static void products(WeightMatrix w, int n) {
        float[] x = KernelTest.randomActivations(n, w.cols(), new Random(1));
        float[] out = new float[n * w.rows()];
        double blocks = (double) w.rows() * w.cols() / 32 * n;
        double bytes = w.data().byteSize();
        try (Compute c = new Compute(1)) {
            double[] gemm = new double[7];
            double[] tiles = new double[7];
            for (int round = 0; round < 7 + 3; round++) { // three rounds of warm-up
                c.batchInvariant = false;
                long t0 = cpu();
                c.matMul(w, x, n, out);
                long t1 = cpu();
                c.batchInvariant = true;
                c.matMul(w, x, n, out);
                long t2 = cpu();
                if (round >= 3) {
                    gemm[round - 3] = t1 - t0;
                    tiles[round - 3] = t2 - t1;
                }
            }
            Arrays.sort(gemm);
            Arrays.sort(tiles);
            System.out.printf(Locale.ROOT, "%s %dx%d, %d tokens, 1 thread: gemm %.3f ns/token-block (%.2f GB/s), "
                    + "tiles %.3f (%.2f GB/s): %.2fx%n", w.type(), w.rows(), w.cols(), n, gemm[3] / blocks, bytes / gemm[3],
                    tiles[3] / blocks, bytes / tiles[3], tiles[3] / gemm[3]);
        }
    }

    private static long cpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return mx.getCurrentThreadCpuTime();
    }

    private static WeightMatrix matrix(GgmlType type, int rows, int cols) {
        return KernelTest.randomMatrix(type, rows, cols, new Random(7));
    }
}
