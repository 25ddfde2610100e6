package io.flotilla.kernel;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a unit test: whole products on one thread (thread CPU time, median of 7 after 3 warm-up rounds,
 * taking turns in one JVM) through the native GEMM ({@link NativeGemm}), the Java float {@link Gemm}
 * and the native one-token kernel token by token ({@link NativeMatVec}, what batch-invariant mode runs).
 * Run after {@code mvn -o -q -pl flotilla-core test-compile} with
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp flotilla-core/target/classes:flotilla-core/target/test-classes \
 *   io.flotilla.kernel.NativeGemmBench [TYPE [ROWS COLS [TOKENS...]]]</pre>
 */
public final class NativeGemmBench {
    private NativeGemmBench() {
    }

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args.length > 0 ? args[0] : "Q4_0");
        int rows = args.length > 2 ? Integer.parseInt(args[1]) : 2048;
        int cols = args.length > 2 ? Integer.parseInt(args[2]) : 8192;
        int[] tokens = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {4, 8, 16, 32, 128};
        if (!NativeGemm.AVAILABLE) {
            System.out.println("native GEMM not available: " + NativeKernels.describe());
            return;
        }
        WeightMatrix w = KernelTest.randomMatrix(type, rows, cols, new Random(7));
        for (int n : tokens) {
            products(w, n);
        }
    }

    private static void products(WeightMatrix w, int n) {
        float[] x = KernelTest.randomActivations(n, w.cols(), new Random(1));
        float[] out = new float[n * w.rows()];
        double blocks = (double) w.rows() * w.cols() / 32 * n;
        try (Compute nat = new Compute(1, true, true); Compute java = new Compute(1, true, false);
             Compute one = new Compute(1, true, true).batchInvariant(true)) {
            Compute[] all = {nat, java, one};
            double[][] t = new double[3][7];
            for (int round = 0; round < 7 + 3; round++) {
                for (int i = 0; i < 3; i++) {
                    long t0 = cpu();
                    all[i].matMul(w, x, n, out);
                    if (round >= 3) {
                        t[i][round - 3] = cpu() - t0;
                    }
                }
            }
            for (double[] a : t) {
                Arrays.sort(a);
            }
            System.out.printf(Locale.ROOT, "%s %dx%d, %3d tokens, 1 thread, ns per token-block: native GEMM %.3f, "
                    + "Java GEMM %.3f (%.2fx), native one-token %.3f (%.2fx)%n", w.type(), w.rows(), w.cols(), n,
                    t[0][3] / blocks, t[1][3] / blocks, t[1][3] / t[0][3], t[2][3] / blocks, t[2][3] / t[0][3]);
        }
    }

    private static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
