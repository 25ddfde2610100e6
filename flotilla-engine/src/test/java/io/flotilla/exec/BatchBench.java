package io.flotilla.exec;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.sched.SchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Engine throughput with {@link BatchExecutor} (a main, not a test): decode tokens/s of the whole
 * engine at 1, 4 and 16 concurrent greedy requests, and time to first token of requests sharing a
 * long prompt prefix with prefix caching on and off.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... io.flotilla.exec.BatchBench \
 *      [preset=smollm2-135m] [type=Q8_0] [dir=/work/models-bench] [threads=2] [gen=32] [prefix=512] [ttftRequests=4]
 * </pre>
 */
public final class BatchBench {
    private BatchBench() {
    }

    public static void main(String[] args) throws Exception {
        String preset = arg(args, "preset", "smollm2-135m");
        GgmlType type = GgmlType.valueOf(arg(args, "type", "Q8_0"));
        Path dir = Path.of(arg(args, "dir", "/work/models-bench"));
        int threads = Integer.parseInt(arg(args, "threads", "2"));
        int gen = Integer.parseInt(arg(args, "gen", "32"));
        int prefix = Integer.parseInt(arg(args, "prefix", "512"));
        int ttftRequests = Integer.parseInt(arg(args, "ttftRequests", "4"));
        String only = arg(args, "only", "all");
        Path file = dir.resolve(preset + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            SyntheticModel.write(SyntheticSpec.preset(preset, type), file);
        }
        try (GgufFile f = GgufFile.open(file); Compute compute = new Compute(threads)) {
            Model model = Model.load(f, compute);
            System.out.printf("model %s, %d threads%n", file, threads);
            if (!only.equals("ttft")) {
                decode(model, 1, 4); // warm-up
                for (int c : new int[] {1, 4, 16}) {
                    double[] r = decode(model, c, gen);
                    System.out.printf("concurrency %2d: decode %.1f tok/s (all output incl. prefill %.1f tok/s)%n",
                            c, r[0], r[1]);
                }
            }
            if (!only.equals("decode")) {
                ttft(model, prefix, 16, 1, true); // warm-up
                for (boolean caching : new boolean[] {false, true}) {
                    long[] t = ttft(model, prefix, 16, ttftRequests, caching);
                    System.out.printf("prefix %d, caching %-5s: TTFT ms per request %s, median of 2nd.. %.0f ms%n",
                            prefix, caching, Arrays.toString(Arrays.stream(t).map(x -> x / 1_000_000).toArray()),
                            median(Arrays.copyOfRange(t, 1, t.length)) / 1e6);
                }
            }
        }
    }

    /** {decode tokens/s after every request has its first token, all output tokens/s from the start}. */
    private static double[] decode(Model model, int concurrency, int gen) {
        EngineCore engine = engine(model, 512, 64, 1024, true);
        List<RequestOutputQueue> queues = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            queues.add(engine.addRequest(new Request("d" + i, prompt(16, i, 0, model), greedy(gen), "t", engine.now())));
        }
        long start = System.nanoTime();
        long firstAll = -1;
        int produced = 0;
        int atFirstAll = 0;
        int[] got = new int[concurrency];
        while (engine.hasWork()) {
            for (RequestOutput o : engine.step()) {
                int i = Integer.parseInt(o.requestId().substring(1));
                got[i] += o.newTokenIds().length;
                produced += o.newTokenIds().length;
            }
            if (firstAll < 0 && Arrays.stream(got).allMatch(g -> g > 0)) {
                firstAll = System.nanoTime();
                atFirstAll = produced;
            }
        }
        long end = System.nanoTime();
        engine.close();
        return new double[] {(produced - atFirstAll) / ((end - firstAll) / 1e9), produced / ((end - start) / 1e9)};
    }

    /** TTFT of requests sent one after another, each = the shared prefix + 16 own tokens. */
    private static long[] ttft(Model model, int prefix, int own, int requests, boolean caching) {
        EngineCore engine = engine(model, 512, 8, 2048, caching);
        long[] ttft = new long[requests];
        for (int r = 0; r < requests; r++) {
            int[] p = prompt(prefix + own, 1000 + r, prefix, model);
            long sent = System.nanoTime();
            RequestOutputQueue q = engine.addRequest(new Request("p" + r, p, greedy(2), "t", engine.now()));
            while (engine.hasWork()) {
                List<RequestOutput> out = engine.step();
                if (ttft[r] == 0 && out.stream().anyMatch(o -> o.newTokenIds().length > 0)) {
                    ttft[r] = System.nanoTime() - sent;
                }
            }
            while (q.poll() != null) {
                // drained
            }
        }
        engine.close();
        return ttft;
    }

    private static EngineCore engine(Model model, int budget, int maxSeqs, int maxLength, boolean caching) {
        int blocks = 2 * ((maxLength + 15) / 16) + 4 * maxSeqs;
        EngineConfig config = new EngineConfig(new SchedulerConfig(budget, maxSeqs, maxLength, Set.of(), false),
                new KvCacheConfig(blocks, 16, caching));
        return new EngineCore(config, new BatchExecutor(model, config));
    }

    private static SamplingParams greedy(int n) {
        return SamplingParams.greedy(n).withIgnoreEos(true);
    }

    /** BOS, then {@code shared} tokens common to every prompt, then tokens that depend on salt. */
    private static int[] prompt(int length, int salt, int shared, Model model) {
        int vocab = Math.min(model.config().vocabSize(), 30000);
        int[] p = new int[length];
        p[0] = 1;
        for (int i = 1; i < length; i++) {
            int s = i < shared ? 0 : salt + 1;
            p[i] = 3 + (int) (((long) i * 7919 + s * 104729L) % (vocab - 3));
        }
        return p;
    }

    private static double median(long[] x) {
        long[] s = x.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    private static String arg(String[] args, String key, String def) {
        for (String a : args) {
            if (a.startsWith(key + "=")) {
                return a.substring(key.length() + 1);
            }
        }
        return def;
    }
}
