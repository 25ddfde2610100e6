package io.flotilla.pipeline;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.Executor;
import io.flotilla.exec.BatchExecutor;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.Model;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeLauncher;
import io.flotilla.node.NodeMain;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.Connection;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.FloatFormat;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The cluster benchmark behind {@code flotilla bench cluster}: the one-way cost of an activation
 * hop on loopback; tokens/s of one process with two threads (the baseline) and of pipelines of
 * 1..N node processes with one thread each, for one and for eight sequences in flight; and, on two
 * nodes of which one is throttled ({@link NodeConfig#slowdown}), the memory-proportional split
 * against Flotilla's throughput and latency plans. Every node process is killed before it returns.
 */
public final class ClusterBench {
    private static final int[] SEQUENCES = {1, 8};
    private static final int MAX_SEQUENCES = 8;
    private static final ClusterToken TOKEN = ClusterToken.random(new SecureRandom());

    private final ClusterBenchConfig config;
    private final Consumer<ClusterBenchStats.Run> progress;
    private final List<ClusterBenchStats.Run> runs = new ArrayList<>();
    private int generations;

    private ClusterBench(ClusterBenchConfig config, Consumer<ClusterBenchStats.Run> progress) {
        this.config = config;
        this.progress = progress;
    }

    /** Runs everything; {@code progress} sees each run as it completes. */
    public static ClusterBenchStats run(ClusterBenchConfig config, Consumer<ClusterBenchStats.Run> progress)
            throws Exception {
        Files.createDirectories(config.logs());
        ClusterBench bench = new ClusterBench(config, progress);
        double hop = hopMicros(200, 1000);
        bench.local(2);
        for (int n = 1; n <= config.maxStages(); n++) {
            bench.pipeline(n, 1, 0, PlacementObjective.MEMORY);
        }
        long cap = (long) (Files.size(config.model()) * config.memoryShare());
        for (PlacementObjective objective : config.placements()) {
            bench.pipeline(2, config.slowdown(), cap, objective);
        }
        return new ClusterBenchStats(hop, bench.runs);
    }

    /** Median one-way time in µs of a 2048-float activation over an authenticated loopback connection. */
    static double hopMicros(int warmup, int rounds) throws IOException, InterruptedException {
        try (TcpTransport server = new TcpTransport(TransportConfig.loopback("echo", "bench", TOKEN));
             TcpTransport client = new TcpTransport(TransportConfig.loopback("caller", "bench", TOKEN))) {
            server.start();
            client.start();
            try (Connection out = client.connect(server.localAddress()); Connection in = server.accept()) {
                Thread echo = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        for (int i = 0; i < warmup + rounds; i++) {
                            in.send(in.receive());
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                float[] hidden = new float[2048];
                Arrays.fill(hidden, 0.25f);
                Message activation = new Message.Activation(1, 0, new int[] {0}, new int[] {0}, 2048,
                        FloatFormat.F32, hidden);
                long[] nanos = new long[rounds];
                for (int i = 0; i < warmup + rounds; i++) {
                    long start = System.nanoTime();
                    out.send(activation);
                    out.receive();
                    if (i >= warmup) {
                        nanos[i - warmup] = System.nanoTime() - start;
                    }
                }
                echo.join();
                Arrays.sort(nanos);
                return nanos[rounds / 2] / 2e3;
            }
        }
    }

    private void local(int threads) throws IOException {
        try (GgufFile file = GgufFile.open(config.model()); Compute compute = new Compute(threads)) {
            Model model = Model.load(file, compute);
            // Batched as the server runs it (LocalExecutor runs the sequences of a step one after another).
            BatchExecutor executor = new BatchExecutor(model, engineConfig(MAX_SEQUENCES));
            warmUp(executor, model.config().vocabSize());
            for (int sequences : SEQUENCES) {
                record(new ClusterBenchStats.Run("local", 1, threads, 1, "-", List.of(), sequences,
                        generate(executor, sequences, config.genTokens(), model.config().vocabSize())));
            }
        }
    }

    /** Nodes 0..n-1 with one thread each; the last is {@code slowdown} times slower. */
    private void pipeline(int n, double slowdown, long memoryLimit, PlacementObjective objective) throws Exception {
        String cluster = "flotilla-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<Process> processes = new ArrayList<>();
        try (Coordinator coordinator = new Coordinator(new CoordinatorConfig("coordinator", cluster, TOKEN,
                "127.0.0.1", NodeLauncher.freePort("127.0.0.1"), config.model(), objective, n,
                config.contextLength(), 8, Duration.ofSeconds(300)))) {
            coordinator.start();
            for (int i = 0; i < n; i++) {
                NodeConfig node = new NodeConfig("node-" + i, cluster, TOKEN, "127.0.0.1",
                        NodeLauncher.freePort("127.0.0.1"), 0, coordinator.config().joinAddress(), 1, memoryLimit,
                        config.model());
                if (i == n - 1 && slowdown > 1) {
                    node = node.withSlowdown(slowdown);
                }
                processes.add(NodeLauncher.launch(node, List.of(), NodeMain.class.getName(), List.of(),
                        config.logs().resolve(cluster + "-" + node.nodeId() + ".log")));
            }
            PipelineExecutor executor = new PipelineExecutor(coordinator, engineConfig(MAX_SEQUENCES),
                    Duration.ofSeconds(300), Duration.ofSeconds(120));
            warmUp(executor, coordinator.vocabSize()); // also waits for the plan
            ClusterStatus status = coordinator.status();
            List<String> stages = status.stages().stream().map(id -> id + layers(status, id)).toList();
            for (int sequences : SEQUENCES) {
                record(new ClusterBenchStats.Run("pipeline", n, 1, slowdown, objective.name().toLowerCase(), stages,
                        sequences, generate(executor, sequences, config.genTokens(), coordinator.vocabSize())));
            }
        } finally {
            NodeLauncher.stopAll(processes);
        }
    }

    private static String layers(ClusterStatus status, String id) {
        return status.nodes().stream().filter(node -> node.id().equals(id)).findFirst()
                .map(node -> node.layers().toString()).orElse("[]");
    }

    private void record(ClusterBenchStats.Run run) {
        runs.add(run);
        progress.accept(run);
    }

    /**
     * Runs every batch size measured once, untimed, so that the JIT has compiled the many-token paths
     * before they are timed: with one sequence only, the first 8-sequence run paid the compilation, and
     * in the 2-thread local process the compiler threads took cores from the compute threads.
     */
    private void warmUp(Executor executor, int vocab) {
        for (int sequences : SEQUENCES) {
            generate(executor, sequences, 4, vocab);
        }
    }

    /** Generated tokens per second of {@code sequences} random prompts decoded greedily together. */
    private double generate(Executor executor, int sequences, int genTokens, int vocab) {
        EngineCore engine = new EngineCore(engineConfig(sequences), executor);
        SplittableRandom random = new SplittableRandom(sequences);
        int generation = generations++;
        for (int i = 0; i < sequences; i++) {
            engine.addRequest(new Request("bench-" + generation + "-" + i, random.ints(config.promptTokens(), 0, vocab).toArray(),
                    SamplingParams.greedy(genTokens).withIgnoreEos(true), "bench", engine.now()));
        }
        long start = System.nanoTime();
        while (engine.hasWork()) {
            engine.step();
        }
        return (double) sequences * genTokens * 1e9 / (System.nanoTime() - start);
    }

    /** The engine of {@code sequences} together; the same KV blocks whatever their number (stages keep theirs). */
    private EngineConfig engineConfig(int sequences) {
        int blocks = MAX_SEQUENCES * ((config.contextLength() + 15) / 16 + 1);
        return new EngineConfig(new SchedulerConfig(Math.max(64, sequences), sequences, config.contextLength(),
                Set.of(), false, 64), new KvCacheConfig(blocks, 16, false));
    }
}
