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
 * {@code flotilla bench train}: the issue's common setting (tinyshakespeare, char level, 4 layers,
 * width 128, 4 heads, context 64; 4 single-threaded workers in this process over loopback TCP,
 * 8×64 tokens per worker per step) for DDP fp32 (the baseline), DDP int8, DiLoCo H=10 fp32 and
 * int8, and optionally more scenarios, among them the non-IID comparison (8 clients that each own a
 * contiguous eighth of the text: FedAvg, FedProx, FedAvg rounds with DiLoCo's Nesterov outer step,
 * and one client that never communicates). Each row gives validation loss, payload and wire bytes per
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

    /**
     * How one scenario trains.
     *
     * @param dist        how the workers train together
     * @param workers     workers of this scenario; 0 for the run's {@code --workers}
     * @param ownShardOf  0, or {@code n}: train on the first n-th of the training split only (a client
     *                    of {@code n} that never communicates)
     * @param innerLrScale the inner learning-rate schedule (peak and floor) times this factor; 1 for the
     *                    common setting's
     */
    public record Scenario(DistributedConfig dist, int workers, int ownShardOf, float innerLrScale) {

        public Scenario {
            if (!(innerLrScale > 0)) {
                throw new IllegalArgumentException("inner lr scale " + innerLrScale + " must be positive");
            }
        }

        Scenario(DistributedConfig dist, int workers, int ownShardOf) {
            this(dist, workers, ownShardOf, 1f);
        }

        static Scenario of(DistributedConfig dist) {
            return new Scenario(dist, 0, 0);
        }
    }

    /** What runs when no scenario is named: the baseline first. */
    public static final List<String> DEFAULT = List.of("ddp-fp32", "diloco-h10-fp32", "diloco-h10-int8", "ddp-int8");

    /** Federated clients of the non-IID comparison: each owns a contiguous eighth of the text. */
    static final int CLIENTS = 8;

    /** The named scenarios (all of {@link #DEFAULT} when empty), in order: the name and how workers train. */
    public static Map<String, Scenario> scenarios(List<String> names) {
        Map<String, Scenario> all = new LinkedHashMap<>();
        all.put("ddp-fp32", Scenario.of(DistributedConfig.ddp(Compression.NONE)));
        all.put("diloco-h10-fp32", Scenario.of(DistributedConfig.diloco(10, Compression.NONE)));
        all.put("diloco-h10-int8", Scenario.of(DistributedConfig.diloco(10, Compression.parse("int8"))));
        all.put("ddp-int8", Scenario.of(DistributedConfig.ddp(Compression.parse("int8"))));
        all.put("ddp-bf16", Scenario.of(DistributedConfig.ddp(Compression.parse("bf16"))));
        all.put("ddp-topk-0.01", Scenario.of(DistributedConfig.ddp(Compression.parse("topk:0.01"))));
        all.put("ddp-topk-0.1", Scenario.of(DistributedConfig.ddp(Compression.parse("topk:0.1"))));
        all.put("diloco-h10-topk-0.03", Scenario.of(DistributedConfig.diloco(10, Compression.parse("topk:0.03"))));
        all.put("diloco-h50-fp32", Scenario.of(DistributedConfig.diloco(50, Compression.NONE)));
        all.put("diloco-h100-fp32", Scenario.of(DistributedConfig.diloco(100, Compression.NONE)));
        all.put("diloco-h10-avg", Scenario.of(DistributedConfig.diloco(10, Compression.NONE).withOuterStep(1f, 0f)));
        all.put("diloco-h10-m0.5", Scenario.of(DistributedConfig.diloco(10, Compression.NONE).withOuterStep(1f, 0.5f)));
        all.put("fedavg-h50-2of4", Scenario.of(DistributedConfig.fedAvg(50, 2, 0f)));
        all.put("fedprox-0.01-h50-2of4", Scenario.of(DistributedConfig.fedAvg(50, 2, 0.01f)));
        all.put("fedprox-0.1-h50-2of4", Scenario.of(DistributedConfig.fedAvg(50, 2, 0.1f)));
        // the non-IID comparison: 8 clients, 4 sampled per round, 50 local steps
        all.put("fedavg-h50-4of8", new Scenario(DistributedConfig.fedAvg(50, 4, 0f), CLIENTS, 0));
        all.put("fedavg-nesterov-h50-4of8",
                new Scenario(DistributedConfig.fedAvg(50, 4, 0f)
                        .withOuterStep(DistributedConfig.OUTER_LR, DistributedConfig.OUTER_MOMENTUM), CLIENTS, 0));
        all.put("fedprox-0.01-h50-4of8", new Scenario(DistributedConfig.fedAvg(50, 4, 0.01f), CLIENTS, 0));
        all.put("fedprox-0.1-h50-4of8", new Scenario(DistributedConfig.fedAvg(50, 4, 0.1f), CLIENTS, 0));
        all.put("local-1of8", new Scenario(DistributedConfig.ddp(Compression.NONE), 1, CLIENTS));
        // the same shards read as DiLoCo does: all 8 clients in every round
        for (int h : new int[] {10, 50}) {
            all.put("fedavg-h" + h + "-8of8", new Scenario(DistributedConfig.fedAvg(h, 0, 0f), CLIENTS, 0));
            all.put("fedavg-nesterov-h" + h + "-8of8", new Scenario(DistributedConfig.fedAvg(h, 0, 0f)
                    .withOuterStep(DistributedConfig.OUTER_LR, DistributedConfig.OUTER_MOMENTUM), CLIENTS, 0));
        }
        Map<String, Scenario> chosen = new LinkedHashMap<>();
        for (String n : names.isEmpty() ? DEFAULT : names) {
            int at = n.indexOf('@');
            String base = at < 0 ? n : n.substring(0, at);
            if (!all.containsKey(base)) {
                throw new IllegalArgumentException("unknown scenario " + base + "; known: " + all.keySet());
            }
            chosen.put(n, at < 0 ? all.get(base) : withOuterStep(all.get(base), n.substring(at + 1)));
        }
        return chosen;
    }

    /**
     * {@code SCENARIO@LR,MU[,sched|,const][,mudecay][,fresh][,lrxF]}: the scenario's rounds with outer learning rate LR
     * and Nesterov momentum MU, the outer step following the inner schedule ({@code sched}) or constant
     * ({@code const}), the momentum decaying with the inner schedule ({@code mudecay}: μ·s_r in round r, s_r
     * the round's mean inner lr over the peak), every training client starting its round with a fresh inner
     * AdamW ({@code fresh}: stateless FedAvg clients), and the inner learning-rate schedule (peak and floor) scaled
     * by F; {@code SCENARIO@lrxF} (any scenario, DDP included) scales only the learning-rate schedule.
     */
    private static Scenario withOuterStep(Scenario s, String spec) {
        if (spec.startsWith("lrx")) { // any scenario, DDP included: only the inner schedule scaled
            return new Scenario(s.dist(), s.workers(), s.ownShardOf(), Float.parseFloat(spec.substring(3)));
        }
        String[] parts = spec.split(",");
        String usage = "outer step '@" + spec + "': expected @LR,MU[,sched|,const][,mudecay][,fresh][,lrxF] after a DiLoCo or"
                + " FedAvg scenario";
        if (parts.length < 2 || parts.length > 6 || s.dist().mode() == DistributedConfig.Mode.DDP) {
            throw new IllegalArgumentException(usage);
        }
        DistributedConfig d = s.dist().withOuterStep(Float.parseFloat(parts[0]), Float.parseFloat(parts[1]));
        float scale = 1f;
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].equals("sched") || parts[i].equals("const")) {
                d = d.withOuterSchedule(parts[i].equals("sched"));
            } else if (parts[i].equals("mudecay")) {
                d = d.withOuterMomentumDecay(true);
            } else if (parts[i].equals("fresh")) {
                d = d.withFreshClients(true);
            } else if (parts[i].startsWith("lrx")) {
                scale = Float.parseFloat(parts[i].substring(3));
            } else {
                throw new IllegalArgumentException(usage);
            }
        }
        return new Scenario(d, s.workers(), s.ownShardOf(), scale);
    }

    /**
     * The common setting: reference model and schedule, 8 windows per worker, {@code steps} steps
     * (warm-up 100, or an eighth of a shorter run), validation at the end.
     */
    public static TrainConfig setting(Path data, Path out, int steps) {
        return setting(data, out, steps, TrainConfig.reference(data, out).seed());
    }

    /**
     * The common setting with another seed: initialisation, data order, FedAvg's client sampling and
     * the validation windows all follow it, so compare scenarios of the same seed.
     */
    public static TrainConfig setting(Path data, Path out, int steps, long seed) {
        TrainConfig c = TrainConfig.reference(data, out).withTokenizer("char");
        int warmup = Math.min(c.warmup(), Math.max(1, steps / 8));
        c = c.withRun(seed, c.threads(), c.outDir(), c.resume());
        return c.withSchedule(8, steps, c.lr(), warmup, c.minLr()).withEval(0, c.evalWindows(), 0);
    }

    /** Runs the scenarios one after another with {@code workers} workers; {@code onRow} sees each as it finishes. */
    public static List<Row> run(Path data, Path out, int steps, int workers, Map<String, Scenario> scenarios,
                                TrainListener progress, Consumer<Row> onRow) throws IOException {
        return run(data, out, steps, TrainConfig.reference(data, out).seed(), workers, scenarios, progress, onRow);
    }

    /** {@link #run(Path, Path, int, int, Map, TrainListener, Consumer)} with the common setting's seed replaced. */
    public static List<Row> run(Path data, Path out, int steps, long seed, int workers, Map<String, Scenario> scenarios,
                                TrainListener progress, Consumer<Row> onRow) throws IOException {
        Corpus corpus = Corpus.load(data, "char");
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Scenario> e : scenarios.entrySet()) {
            Scenario scenario = e.getValue();
            TrainConfig config = setting(data, out.resolve(e.getKey()), steps, seed);
            config = config.withSchedule(config.batch(), steps, config.lr() * scenario.innerLrScale(), config.warmup(),
                    config.minLr() * scenario.innerLrScale());
            long t0 = System.nanoTime();
            DistributedConfig dist = scenario.dist();
            if (dist.mode() == DistributedConfig.Mode.DDP) {
                dist = dist.withDenseWarmup(config.warmup()); // top-k starts when the learning-rate warm-up ends
            }
            LocalCluster.Result r = LocalCluster.run(config, dist, scenario.workers() > 0 ? scenario.workers() : workers,
                    ownShard(corpus, scenario.ownShardOf()), progress);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            DistributedStats w0 = r.workers().get(0);
            double tps = r.workers().stream().mapToDouble(DistributedStats::trainTokensPerSecond).sum();
            Row row = new Row(e.getKey(), w0.valLoss(), w0.bytes().payloadBytes(), w0.bytes().wireBytes(), tps, seconds);
            rows.add(row);
            onRow.accept(row);
        }
        return rows;
    }

    /** The corpus, or only the first {@code n}-th of its training split (validation unchanged). */
    static Corpus ownShard(Corpus corpus, int n) {
        if (n <= 1) {
            return corpus;
        }
        int[] train = java.util.Arrays.copyOf(corpus.train(), corpus.train().length / n);
        return new Corpus(corpus.tokenizer(), train, corpus.validation());
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

    /** One outer step as a line of text: the figures of {@link OuterStepStats}. */
    public static String outerStepLine(OuterStepStats s) {
        return String.format(Locale.ROOT, "round %d |own| %.4f |mean| %.4f cos(own,mean) %.3f cos(mean,prev) %.3f"
                        + " |v| %.4f |global change| %.4f", s.round(), s.ownNorm(), s.meanNorm(), s.cosOwnMean(),
                s.cosPrevious(), s.momentumNorm(), s.globalChange());
    }

    /**
     * {@code TrainBench DATA [--steps S] [--workers K] [--seed N] [--out DIR]
     * [SCENARIO[@LR,MU[,sched|,const][,mudecay][,fresh][,lrxF]]...]}: prints one JSON
     * line per scenario (ratios against the first scenario); progress and every outer step (worker 0)
     * go to standard error.
     */
    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/corpora/tinyshakespeare.txt");
        int steps = 800;
        int workers = 4;
        long seed = TrainConfig.reference(data, Path.of(".")).seed();
        Path out = Path.of("bench-train-out");
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> names.add(args[i]);
            }
        }
        PrintStream o = System.out;
        Row[] baseline = {null};
        TrainListener progress = new RoundListener() {
            @Override
            public void onStep(TrainProgress p) {
                if (p.step() % 10 == 0) {
                    System.err.printf(Locale.ROOT, "step %d/%d loss %.3f%n", p.step(), p.totalSteps(), p.loss());
                }
            }

            @Override
            public void onOuterStep(OuterStepStats s) {
                System.err.println(outerStepLine(s));
            }
        };
        run(data, out, steps, seed, workers, scenarios(names), progress, row -> {
            o.println(json(row, baseline[0]));
            o.flush();
            if (baseline[0] == null) {
                baseline[0] = row;
            }
        });
    }
}
