package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.pipeline.ClusterBench;
import io.flotilla.pipeline.ClusterBenchConfig;
import io.flotilla.pipeline.ClusterBenchStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla bench cluster}: hop overhead, pipeline tokens/s, planned vs memory split on a throttled node. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Pipeline speed on this machine: the one-way time of a 2048-float activation hop on loopback;",
                "tokens/s of 1 process x 2 threads (baseline) and of 1..--stages node processes x 1 thread, with 1",
                "and 8 sequences in flight; and on 2 nodes, one --slowdown times slower, the memory-proportional",
                "split against Flotilla's throughput and latency plans. Without --model, a random-weight model of",
                "the --preset shape is written to --models-dir if missing."})
final class BenchClusterCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "a GGUF model (default: the --preset model)")
    Path model;

    @Option(names = "--preset", paramLabel = "NAME", description = "synthetic shape (default: ${DEFAULT-VALUE})")
    String preset = "llama-3.2-1b";

    @Option(names = "--type", paramLabel = "TYPE", description = "weight type of the synthetic model (default: ${DEFAULT-VALUE})")
    GgmlType type = GgmlType.Q4_0;

    @Option(names = "--models-dir", paramLabel = "DIR", description = "where synthetic models are kept (default: ${DEFAULT-VALUE})")
    Path modelsDir = Path.of("models");

    @Option(names = "--prompt-tokens", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int promptTokens = 8;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "per sequence (default: ${DEFAULT-VALUE})")
    int genTokens = 16;

    @Option(names = "--stages", paramLabel = "N", description = "longest pipeline timed (default: ${DEFAULT-VALUE})")
    int stages = 3;

    @Option(names = "--slowdown", paramLabel = "F", description = "the throttled node's slowness (default: ${DEFAULT-VALUE})")
    double slowdown = 3;

    @Option(names = "--memory-share", paramLabel = "F",
            description = "memory each throttled-run node offers, as a share of the model file (default: ${DEFAULT-VALUE})")
    double memoryShare = 0.85;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "node logs (default: a temporary folder)")
    Path logDir;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path file = model != null ? model : syntheticModel();
        Path logs = logDir != null ? logDir : Files.createTempDirectory("flotilla-bench-cluster");
        System.err.printf("model %s, logs in %s%n", file, logs);
        ClusterBenchStats stats = ClusterBench.run(new ClusterBenchConfig(file, logs, promptTokens, genTokens, stages,
                slowdown, memoryShare), run -> (json ? System.err : System.out).println(line(run)));
        if (json) {
            System.out.println(json(file, stats));
            return 0;
        }
        System.out.printf(Locale.ROOT, "hop     %.1f µs one way for a 2048-float activation on loopback%n",
                stats.hopMicros());
        ratio(stats, "2 stages x 1 thread, 8 seqs / local 2 threads, 8 seqs",
                stats.find("pipeline", 2, 1, 1, "memory", 8), stats.find("local", 1, 2, 1, "-", 8));
        for (int seqs : new int[] {1, 8}) {
            for (String plan : new String[] {"throughput", "latency"}) {
                ratio(stats, "throttled: " + plan + " plan / memory split, " + seqs + " seqs",
                        stats.find("pipeline", 2, 1, slowdown, plan, seqs),
                        stats.find("pipeline", 2, 1, slowdown, "memory", seqs));
            }
        }
        return 0;
    }

    private static String line(ClusterBenchStats.Run r) {
        return String.format(Locale.ROOT, "%-8s %d proc x %d thr%s  %-10s %d seqs  %7.2f tok/s  %s", r.setup(),
                r.processes(), r.threads(), r.slowdown() > 1 ? " (last /" + r.slowdown() + ")" : "", r.placement(),
                r.sequences(), r.tokensPerSecond(), String.join(" -> ", r.stages()));
    }

    private static void ratio(ClusterBenchStats stats, String label, ClusterBenchStats.Run a, ClusterBenchStats.Run b) {
        if (a != null && b != null) {
            System.out.printf(Locale.ROOT, "ratio   %s: %.2f%n", label, a.tokensPerSecond() / b.tokensPerSecond());
        }
    }

    private static String json(Path file, ClusterBenchStats stats) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        o.put("model", file.toString());
        o.put("hop_micros", Sizes.round2(stats.hopMicros()));
        ArrayNode runs = o.putArray("runs");
        for (ClusterBenchStats.Run r : stats.runs()) {
            ObjectNode run = runs.addObject();
            run.put("setup", r.setup());
            run.put("processes", r.processes());
            run.put("threads", r.threads());
            run.put("slowdown", r.slowdown());
            run.put("placement", r.placement());
            r.stages().forEach(run.putArray("stages")::add);
            run.put("sequences", r.sequences());
            run.put("tokens_per_s", Sizes.round2(r.tokensPerSecond()));
        }
        return o.toString();
    }

    private Path syntheticModel() throws Exception {
        Path file = modelsDir.resolve(preset + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            System.err.printf("writing %s (random weights, shape of %s)...%n", file, preset);
            SyntheticModel.write(SyntheticSpec.preset(preset, type), file);
        }
        return file;
    }
}
