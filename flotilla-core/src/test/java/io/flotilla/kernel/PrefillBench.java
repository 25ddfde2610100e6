package io.flotilla.kernel;

import io.flotilla.gguf.GgufFile;
import io.flotilla.model.Model;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a unit test: prefill of one prompt through a whole model with the float GEMM (default) and
 * batch-invariant (the tiles and dot4), taking turns in one JVM (so the load of a shared machine hits
 * both alike), printing tokens/s per round, the medians and their ratio, and how far apart the last
 * token's logits are (largest difference over largest logit). Run after
 * {@code mvn -o -q -pl flotilla-core test-compile} with
 * <pre>java --add-modules jdk.incubator.vector -cp flotilla-core/target/classes:flotilla-core/target/test-classes:$(cat cp.txt) \
 *   io.flotilla.kernel.PrefillBench MODEL.gguf [threads 2] [tokens 128] [rounds 5]</pre>
 */
public final class PrefillBench {
    private PrefillBench() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        try (GgufFile file = GgufFile.open(path); Compute compute = new Compute(threads)) {
            Model model = Model.load(file, compute);
            var state = model.newState(n + 1);
            int[] prompt = new Random(1).ints(n, 0, model.config().vocabSize()).toArray();
            double[][] tps = new double[2][rounds];
            float[][] logits = new float[2][];
            for (int round = -1; round < rounds; round++) { // round -1: warm-up of both
                for (int mode = 0; mode < 2; mode++) {
                    compute.batchInvariant(mode == 1);
                    state.reset();
                    long t0 = System.nanoTime();
                    float[] l = model.forward(state, prompt, 0, n, false);
                    long t1 = System.nanoTime();
                    logits[mode] = l.clone();
                    if (round >= 0) {
                        tps[mode][round] = n / ((t1 - t0) / 1e9);
                    }
                }
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "round %d: gemm %.2f tok/s, batch-invariant %.2f tok/s%n", round,
                            tps[0][round], tps[1][round]);
                }
            }
            double gemm = median(tps[0]);
            double invariant = median(tps[1]);
            double diff = 0;
            double max = 0;
            for (int i = 0; i < logits[0].length; i++) {
                diff = Math.max(diff, Math.abs(logits[0][i] - logits[1][i]));
                max = Math.max(max, Math.abs(logits[1][i]));
            }
            System.out.printf(Locale.ROOT, "%s, %d threads, %d tokens: prefill median gemm %.2f, batch-invariant %.2f"
                    + " tok/s, ratio %.2f; last logits differ by at most %.4f (largest %.2f)%n", path.getFileName(), threads,
                    n, gemm, invariant, gemm / invariant, diff, max);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
