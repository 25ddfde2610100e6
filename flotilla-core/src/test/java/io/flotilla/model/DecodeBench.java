package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Not a unit test: one-token decode through a whole model with its Q4_0/Q8_0 weights packed
 * ({@link PackedWeights}) and in the file's layout, two models of one file taking turns in one JVM
 * (so the load of a shared machine hits both alike); prints tokens/s per round, the medians, their
 * ratio and whether the logits of both are the same bit for bit. Run after
 * {@code mvn -o -q -pl flotilla-core test-compile} with
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp flotilla-core/target/classes:flotilla-core/target/test-classes:$(cat cp.txt) \
 *   io.flotilla.model.DecodeBench MODEL.gguf [threads 2] [tokens per round 16] [rounds 5]</pre>
 */
public final class DecodeBench {
    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        try (GgufFile fa = GgufFile.open(path); GgufFile fb = GgufFile.open(path); Compute compute = new Compute(threads)) {
            PackedWeights.types = java.util.EnumSet.noneOf(io.flotilla.gguf.GgmlType.class);
            long g0 = System.nanoTime();
            Model gguf = Model.load(fa, compute);
            PackedWeights.types = java.util.EnumSet.of(io.flotilla.gguf.GgmlType.Q4_0, io.flotilla.gguf.GgmlType.Q8_0);
            long p0 = System.nanoTime();
            Model packed = Model.load(fb, compute);
            System.out.printf(Locale.ROOT, "loaded in %.0f ms, with packing in %.0f ms%n", (p0 - g0) / 1e6,
                    (System.nanoTime() - p0) / 1e6);
            Model[] models = {gguf, packed};
            InferenceState[] states = {gguf.newState((rounds + 1) * n + 1), packed.newState((rounds + 1) * n + 1)};
            double[][] tps = new double[2][rounds];
            float[][] logits = new float[2][];
            int[] token = new int[1];
            for (int round = -1; round < rounds; round++) { // round -1: warm-up of both
                for (int mode = 0; mode < 2; mode++) {
                    long t0 = clock(threads);
                    for (int i = 0; i < n; i++) {
                        token[0] = (round + 1) * n + i + 1;
                        logits[mode] = models[mode].forward(states[mode], token, 0, 1, false).clone();
                    }
                    if (round >= 0) {
                        tps[mode][round] = n / ((clock(threads) - t0) / 1e9);
                    }
                }
                if (!Arrays.equals(logits[0], logits[1])) {
                    throw new AssertionError("packed logits differ from the GGUF layout's in round " + round);
                }
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "round %d: gguf %.2f tok/s, packed %.2f tok/s%n", round,
                            tps[0][round], tps[1][round]);
                }
            }
            prefill(models, compute.threads(), Integer.getInteger("prefill", 32), rounds);
            products(fa, compute, "blk.0.ffn_up.weight", 8192, 2048);
            products(fa, compute, "blk.0.ffn_down.weight", 2048, 8192);
            products(fa, compute, "token_embd.weight", 32000, 2048);
            double a = median(tps[0]);
            double b = median(tps[1]);
            System.out.printf(Locale.ROOT, "%s, %d threads: decode median gguf %.2f, packed %.2f tok/s, ratio %.2f;"
                    + " logits identical%n", path.getFileName(), threads, a, b, b / a);
        }
    }

    /** Prefill of {@code n} tokens through both models, taking turns; logits compared bit for bit. */
    private static void prefill(Model[] models, int threads, int n, int rounds) {
        int[] prompt = new java.util.Random(1).ints(n, 3, models[0].config().vocabSize()).toArray();
        InferenceState[] states = {models[0].newState(n + 1), models[1].newState(n + 1)};
        double[][] tps = new double[2][rounds];
        for (int round = -1; round < rounds; round++) {
            float[][] logits = new float[2][];
            for (int mode = 0; mode < 2; mode++) {
                states[mode].reset();
                long t0 = clock(threads);
                logits[mode] = models[mode].forward(states[mode], prompt, 0, n, false).clone();
                if (round >= 0) {
                    tps[mode][round] = n / ((clock(threads) - t0) / 1e9);
                }
            }
            if (!Arrays.equals(logits[0], logits[1])) {
                throw new AssertionError("packed prefill logits differ from the GGUF layout's");
            }
        }
        System.out.printf(Locale.ROOT, "prefill %d tokens: gguf %.2f, packed %.2f tok/s, ratio %.2f; logits identical%n",
                n, median(tps[0]), median(tps[1]), median(tps[1]) / median(tps[0]));
    }

    /** GB/s of one-token products of one tensor, GGUF layout against packed, taking turns. */
    private static void products(GgufFile f, Compute compute, String name, int rows, int cols) {
        var all = PackedWeights.types;
        PackedWeights.types = java.util.EnumSet.noneOf(io.flotilla.gguf.GgmlType.class);
        io.flotilla.tensor.WeightMatrix w = VectorOps.matrix(f, name, rows, cols);
        PackedWeights.types = all;
        io.flotilla.tensor.WeightMatrix p = PackedWeights.of(w);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) Math.sin(i);
        }
        float[] out = new float[rows];
        double[][] gbs = new double[2][7];
        for (int round = 0; round < 7; round++) {
            for (int mode = 0; mode < 2; mode++) {
                io.flotilla.tensor.WeightMatrix m = mode == 0 ? w : p;
                long t0 = clock(compute.threads());
                for (int i = 0; i < 20; i++) {
                    compute.matMul(m, x, 1, out);
                }
                gbs[mode][round] = 20.0 * w.data().byteSize() / (clock(compute.threads()) - t0);
            }
        }
        System.out.printf(Locale.ROOT, "%s %dx%d: gguf %.2f GB/s, packed %.2f GB/s%n", name, rows, cols,
                median(gbs[0]), median(gbs[1]));
    }

    /** With one thread the caller's CPU time (robust to other processes taking the core), else wall time. */
    private static long clock(int threads) {
        return threads == 1 ? java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime()
                : System.nanoTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
