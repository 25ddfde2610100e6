package io.flotilla.train.dist;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.data.Corpus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code flotilla bench train}: the common setting (tinyshakespeare, char level, 4 layers,
 * width 128, 4 heads, context 64; 4 single-threaded workers in this process over loopback TCP,
 * 8×64 tokens per worker per step) for DDP fp32 (the baseline), DDP int8, DiLoCo H=10 fp32 and
 * int8, and optionally more scenarios. Each row gives validation loss, payload and wire bytes per
 * worker, and both relative to the DDP baseline of the same run.
 */
public final class TrainBench {

    /**
     * One finished scenario.
     *
     * @param name           e.g. {@code ddp-fp32}, {@code diloco-h10-int8}
     * @param valLoss        validation loss at the end
     * @param payloadBytes   payload bytes worker 0 sent
     * @param wireBytes      wire bytes worker 0 sent
     * @param tokensPerSecond training tokens per second over all workers
     * @param seconds        wall time of the scenario
     */
    public record Row(String name, double valLoss, long payloadBytes, long wireBytes, double tokensPerSecond,
                      double seconds) {}

    /** What runs when no scenario is named: the baseline first. */
    public static final List<String> DEFAULT = List.of("ddp-fp32", "diloco-h10-fp32", "diloco-h10-int8", "ddp-int8");

    /** The named scenarios (all of {@link #DEFAULT} when empty), in order: the name and how workers train. */
    public static Map<String, DistributedConfig> scenarios(List<String> names) {
        Map<String, DistributedConfig> all = new LinkedHashMap<>();
        all.put("ddp-fp32", DistributedConfig.ddp(Compression.NONE));
        all.put("diloco-h10-fp32", DistributedConfig.diloco(10, Compression.NONE));
        all.put("diloco-h10-int8", DistributedConfig.diloco(10, Compression.parse("int8")));
        all.put("ddp-int8", DistributedConfig.ddp(Compression.parse("int8")));
        all.put("ddp-bf16", DistributedConfig.ddp(Compression.parse("bf16")));
        all.put("ddp-topk-0.01", DistributedConfig.ddp(Compression.parse("topk:0.01")));
        all.put("ddp-topk-0.1", DistributedConfig.ddp(Compression.parse("topk:0.1")));
        all.put("diloco-h10-topk-0.03", DistributedConfig.diloco(10, Compression.parse("topk:0.03")));
        all.put("diloco-h50-fp32", DistributedConfig.diloco(50, Compression.NONE));
        all.put("diloco-h100-fp32", DistributedConfig.diloco(100, Compression.NONE));
        all.put("fedavg-h50-2of4", DistributedConfig.fedAvg(50, 2, 0f));
        all.put("fedprox-0.01-h50-2of4", DistributedConfig.fedAvg(50, 2, 0.01f));
        all.put("fedprox-0.1-h50-2of4", DistributedConfig.fedAvg(50, 2, 0.1f));
        Map<String, DistributedConfig> chosen = new LinkedHashMap<>();
        for (String n : names.isEmpty() ? DEFAULT : names) {
            if (!all.containsKey(n)) {
                throw new IllegalArgumentException("unknown scenario " + n + "; known: " + all.keySet());
            }
            chosen.put(n, all.get(n));
        }
        return chosen;
    }

    /**
     * The common setting: reference model and schedule, 8 windows per worker, {@code steps} steps
     * (warm-up 100, or an eighth of a shorter run), validation at the end.
     */
    public static TrainConfig setting(Path data, Path out, int steps) {
        TrainConfig c = TrainConfig.reference(data, out).withTokenizer("char");
        int warmup = Math.min(c.warmup(), Math.max(1, steps / 8));
        return c.withSchedule(8, steps, c.lr(), warmup, c.minLr()).withEval(0, c.evalWindows(), 0);
    }

    /** Runs the scenarios one after another with {@code workers} workers; {@code onRow} sees each as it finishes. */
    public static List<Row> run(Path data, Path out, int steps, int workers, Map<String, DistributedConfig> scenarios,
                                TrainListener progress, Consumer<Row> onRow) throws IOException {
        Corpus corpus = Corpus.load(data, "char");
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, DistributedConfig> e : scenarios.entrySet()) {
            TrainConfig config = setting(data, out.resolve(e.getKey()), steps);
            long t0 = System.nanoTime();
            DistributedConfig dist = e.getValue();
            if (dist.mode() == DistributedConfig.Mode.DDP) {
                dist = dist.withDenseWarmup(config.warmup()); // top-k starts when the learning-rate warm-up ends
            }
            LocalCluster.Result r = LocalCluster.run(config, dist, workers, corpus, progress);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            DistributedStats w0 = r.workers().get(0);
            double tps = r.workers().stream().mapToDouble(DistributedStats::trainTokensPerSecond).sum();
            Row row = new Row(e.getKey(), w0.valLoss(), w0.bytes().payloadBytes(), w0.bytes().wireBytes(), tps, seconds);
            rows.add(row);
            onRow.accept(row);
        }
        return rows;
    }

    /** One line of JSON for a row, with ratios to {@code baseline} (the first row) when given. */
    public static String json(Row row, Row baseline) {
        String rel = baseline == null ? "" : String.format(Locale.ROOT,
                ",\"loss_vs_baseline\":%.4f,\"bytes_reduction_vs_baseline\":%.2f",
                row.valLoss() / baseline.valLoss(), (double) baseline.payloadBytes() / Math.max(1, row.payloadBytes()));
        return String.format(Locale.ROOT, "{\"scenario\":\"%s\",\"val_loss\":%.4f,\"payload_bytes\":%d,"
                        + "\"wire_bytes\":%d,\"train_tokens_per_s\":%.1f,\"seconds\":%.1f%s}", row.name(), row.valLoss(),
                row.payloadBytes(), row.wireBytes(), row.tokensPerSecond(), row.seconds(), rel);
    }

    /**
     * {@code TrainBench DATA [--steps S] [--workers K] [--out DIR] [SCENARIO...]}: prints one JSON line
     * per scenario (ratios against the first scenario).
     */
    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/corpora/tinyshakespeare.txt");
        int steps = 800;
        int workers = 4;
        Path out = Path.of("bench-train-out");
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> names.add(args[i]);
            }
        }
        PrintStream o = System.out;
        Row[] baseline = {null};
        TrainListener progress = new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                if (p.step() % 10 == 0) {
                    System.err.printf(Locale.ROOT, "step %d/%d loss %.3f%n", p.step(), p.totalSteps(), p.loss());
                }
            }
        };
        run(data, out, steps, workers, scenarios(names), progress, row -> {
            o.println(json(row, baseline[0]));
            o.flush();
            if (baseline[0] == null) {
                baseline[0] = row;
            }
        });
    }
}
