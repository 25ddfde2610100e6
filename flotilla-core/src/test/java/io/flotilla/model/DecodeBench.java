package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Not a unit test: one-token decode through a whole model with its Q4_0/Q8_0 weights in the file's
 * layout and packed ({@link PackedWeights}) in stripes of each width of {@code -Dstripes} (default
 * 1,4,4h; "h": in huge pages, see {@link PackedMemory}), the models of one file taking turns in one JVM (so the load of a shared machine hits all
 * alike); prints tokens/s per round, the medians, their ratios to the file's layout and whether the
 * logits of all are the same bit for bit; then a prefill and single products the same way. Run
 * after {@code mvn -o -q -pl flotilla-core test-compile} with
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
        String[] variants = System.getProperty("stripes", "1,4,4h").split(",");
        int[] stripes = Arrays.stream(variants).mapToInt(v -> Integer.parseInt(v.replace("h", ""))).toArray();
        String[] names = new String[1 + stripes.length];
        names[0] = "gguf";
        for (int k = 0; k < stripes.length; k++) {
            names[1 + k] = "stripe " + variants[k];
        }
        try (Compute compute = new Compute(threads)) {
            Model[] models = new Model[names.length];
            GgufFile[] files = new GgufFile[names.length];
            for (int m = 0; m < models.length; m++) {
                files[m] = GgufFile.open(path);
                PackedWeights.types = m == 0 ? java.util.EnumSet.noneOf(io.flotilla.gguf.GgmlType.class)
                        : java.util.EnumSet.of(io.flotilla.gguf.GgmlType.Q4_0, io.flotilla.gguf.GgmlType.Q8_0);
                PackedWeights.stripe = m == 0 ? io.flotilla.tensor.PackedMatrix.STRIPE : stripes[m - 1];
                PackedMemory.hugePages = m > 0 && variants[m - 1].endsWith("h");
                long t0 = System.nanoTime();
                models[m] = Model.load(files[m], compute);
                System.out.printf(Locale.ROOT, "%s: loaded in %.0f ms%n", names[m], (System.nanoTime() - t0) / 1e6);
            }
            double[][] tps = decode(models, threads, n, rounds);
            prefill(models, threads, Integer.getInteger("prefill", 32), rounds, names);
            for (int k = 0; k < stripes.length; k++) {
                PackedWeights.stripe = stripes[k];
                PackedMemory.hugePages = variants[k].endsWith("h");
                products(files[0], compute, "blk.0.ffn_up.weight", 8192, 2048, names[1 + k]);
                products(files[0], compute, "blk.0.ffn_down.weight", 2048, 8192, names[1 + k]);
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s, %d threads: decode median gguf %.2f tok/s",
                    path.getFileName(), threads, median(tps[0])));
            for (int m = 1; m < models.length; m++) {
                line.append(String.format(Locale.ROOT, ", %s %.2f (%.2fx)", names[m], median(tps[m]),
                        median(tps[m]) / median(tps[0])));
            }
            System.out.println(line.append("; logits identical"));
            for (GgufFile f : files) {
                f.close();
            }
        }
    }

    /** Decode rounds of {@code n} tokens through every model, taking turns; logits compared bit for bit. */
    private static double[][] decode(Model[] models, int threads, int n, int rounds) {
        InferenceState[] states = new InferenceState[models.length];
        for (int m = 0; m < models.length; m++) {
            states[m] = models[m].newState((rounds + 1) * n + 1);
        }
        double[][] tps = new double[models.length][rounds];
        float[][] logits = new float[models.length][];
        int[] token = new int[1];
        for (int round = -1; round < rounds; round++) { // round -1: warm-up of all
            for (int m = 0; m < models.length; m++) {
                long t0 = clock(threads);
                for (int i = 0; i < n; i++) {
                    token[0] = (round + 1) * n + i + 1;
                    logits[m] = models[m].forward(states[m], token, 0, 1, false).clone();
                }
                if (round >= 0) {
                    tps[m][round] = n / ((clock(threads) - t0) / 1e9);
                }
                if (!Arrays.equals(logits[0], logits[m])) {
                    throw new AssertionError("packed logits (model " + m + ") differ from the GGUF layout's in round " + round);
                }
            }
            if (round >= 0) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (int m = 0; m < models.length; m++) {
                    line.append(String.format(Locale.ROOT, " %.2f", tps[m][round]));
                }
                System.out.println(line.append(" tok/s"));
            }
        }
        return tps;
    }

    /** Prefill of {@code n} tokens through every model, taking turns; logits compared bit for bit. */
    private static void prefill(Model[] models, int threads, int n, int rounds, String[] names) {
        int[] prompt = new java.util.Random(1).ints(n, 3, models[0].config().vocabSize()).toArray();
        InferenceState[] states = new InferenceState[models.length];
        for (int m = 0; m < models.length; m++) {
            states[m] = models[m].newState(n + 1);
        }
        double[][] tps = new double[models.length][rounds];
        for (int round = -1; round < rounds; round++) {
            float[][] logits = new float[models.length][];
            for (int m = 0; m < models.length; m++) {
                states[m].reset();
                long t0 = clock(threads);
                logits[m] = models[m].forward(states[m], prompt, 0, n, false).clone();
                if (round >= 0) {
                    tps[m][round] = n / ((clock(threads) - t0) / 1e9);
                }
                if (!Arrays.equals(logits[0], logits[m])) {
                    throw new AssertionError("packed prefill logits (model " + m + ") differ from the GGUF layout's");
                }
            }
        }
        StringBuilder line = new StringBuilder("prefill " + n + " tokens:");
        for (int m = 0; m < models.length; m++) {
            line.append(String.format(Locale.ROOT, " %s %.2f", names[m], median(tps[m])));
        }
        System.out.println(line.append(" tok/s; logits identical"));
    }

    /** GB/s of one-token products of one tensor, GGUF layout against packed, taking turns. */
    private static void products(GgufFile f, Compute compute, String name, int rows, int cols, String packed) {
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
        System.out.printf(Locale.ROOT, "%s %dx%d: gguf %.2f GB/s, %s %.2f GB/s%n", name, rows, cols,
                median(gbs[0]), packed, median(gbs[1]));
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
