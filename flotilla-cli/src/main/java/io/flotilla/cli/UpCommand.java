package io.flotilla.cli;

import com.sun.net.httpserver.HttpServer;
import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeLauncher;
import io.flotilla.pipeline.Coordinator;
import io.flotilla.pipeline.CoordinatorConfig;
import io.flotilla.pipeline.PipelineExecutor;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.server.ApiKeys;
import io.flotilla.tokenizer.Tokenizer;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TlsKeyStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flotilla up}: a cluster on this machine. Starts the coordinator in this process and N node
 * processes (the same Java and class path), splits the machine's threads among them, and serves
 * the OpenAI API (docs/serving.md) over the pipeline with the cluster status at
 * {@code /cluster/status} on the same port; with {@code --prompt}, generates through the pipeline and exits.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a cluster of N node processes on this machine plus the coordinator.")
final class UpCommand implements Callable<Integer> {
    static final String STATUS_PATH = "/cluster/status";

    @Option(names = "--nodes", required = true, paramLabel = "N", description = "node processes to start")
    int nodes;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF model file (default: the demo model, " + DefaultModel.RELATIVE_PATH + ")")
    Path model;

    @Option(names = "--threads-per-node", paramLabel = "N",
            description = "compute threads of each node (default: this machine's processors / N, at least 1)")
    Integer threadsPerNode;

    @Option(names = "--objective", paramLabel = "latency|throughput",
            description = "what the placement optimizes (default: ${DEFAULT-VALUE})")
    String objective = "latency";

    @Option(names = "--port", paramLabel = "P", description = "HTTP port of the coordinator (default: ${DEFAULT-VALUE})")
    int port = 8080;

    @Option(names = "--memory", paramLabel = "LIMIT", description = "memory each node offers, e.g. 512M (default: free)")
    String memory;

    @Option(names = "--ctx", paramLabel = "N", description = "context length of each sequence (default: ${DEFAULT-VALUE})")
    int ctx = 512;

    @Option(names = "--cluster", paramLabel = "NAME", description = "cluster name (default: flotilla-PID)")
    String cluster;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "where node logs go (default: a temporary folder)")
    Path logDir;

    @Option(names = "--tls", description = "TLS on data and membership connections with a self-signed key made "
            + "for this cluster (in --log-dir)")
    boolean tls;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "TLS on data and membership connections with this PKCS#12 store (password: FLOTILLA_TLS_PASSWORD)")
    Path tlsKeyStore;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "generate greedily from this prompt through the pipeline, print the text and stop")
    String prompt;

    @Option(names = "--max-num-seqs", paramLabel = "N",
            description = "sequences served together, KV reserved on every stage (default: ${DEFAULT-VALUE})")
    int maxNumSeqs = 4;

    @Option(names = "--api-keys", paramLabel = "FILE",
            description = "key file of the OpenAI API (as flotilla serve); without it the API is open")
    Path apiKeys;

    @Option(names = "--prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "reuse the KV blocks of equal prompt prefixes on every stage (default: on;"
                    + " --no-prefix-caching turns it off)")
    boolean prefixCaching;

    @Option(names = "--trace-exporter", paramLabel = "NAME",
            description = "OpenTelemetry spans down to each stage's work: none or logging (default: ${DEFAULT-VALUE})")
    String traceExporter = "none";

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "with --prompt (default: ${DEFAULT-VALUE})")
    int maxTokens = 64;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be >= 1, got " + nodes);
        }
        model = DefaultModel.orDefault(model);
        PlacementObjective goal = NodeCommand.objective(objective);
        int threads = threadsPerNode != null ? threadsPerNode
                : Math.max(1, Runtime.getRuntime().availableProcessors() / nodes);
        String name = cluster != null ? cluster : "flotilla-" + ProcessHandle.current().pid();
        ClusterToken token = ClusterToken.random(new SecureRandom());
        Path logs = logDir != null ? Files.createDirectories(logDir) : Files.createTempDirectory("flotilla-up");
        Path store = tlsKeyStore;
        tlsNote = "";
        if (tls && store == null) {
            store = logs.resolve("cluster-tls.p12");
            Files.deleteIfExists(store);
            TlsKeyStore.generate(store, TlsKeyStore.password(token), List.of("127.0.0.1", "localhost"), 30);
        }
        if (store != null) {
            tlsNote = ", TLS with " + store;
        }
        List<Process> processes = new ArrayList<>();
        Thread killer = new Thread(() -> processes.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(killer);
        try (Coordinator coordinator = new Coordinator(new CoordinatorConfig("coordinator", name, token, "127.0.0.1",
                NodeLauncher.freePort("127.0.0.1"), model, goal, nodes, ctx, maxNumSeqs, Duration.ofSeconds(120),
                store))) {
            coordinator.start();
            for (int i = 0; i < nodes; i++) {
                NodeConfig config = new NodeConfig("node-" + i, name, token, "127.0.0.1",
                        NodeLauncher.freePort("127.0.0.1"), 0, coordinator.config().joinAddress(), threads,
                        memory == null ? 0 : NodeCommand.parseBytes(memory), model).withTls(store);
                processes.add(NodeLauncher.launch(config, List.of(), Main.class.getName(), List.of("node"),
                        logs.resolve(config.nodeId() + ".log")));
            }
            if (prompt != null) {
                HttpServer http = statusServer(coordinator);
                try {
                    announce(name, threads, http.getAddress().getPort(), logs);
                    generate(coordinator);
                } finally {
                    http.stop(0);
                }
            } else {
                serve(coordinator, name, threads, logs);
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        return 0;
    }

    private String tlsNote = "";

    private void announce(String name, int threads, int boundPort, Path logs) {
        System.err.printf("cluster %s: %d nodes x %d threads, status at http://127.0.0.1:%d%s, logs in %s%s%n",
                name, nodes, threads, boundPort, STATUS_PATH, logs, tlsNote);
    }

    /** The OpenAI API of docs/serving.md over the pipeline, plus the status, until interrupted. */
    private void serve(Coordinator coordinator, String name, int threads, Path logs) throws Exception {
        ApiKeys keys = apiKeys == null ? ApiKeys.open() : ApiKeys.load(apiKeys);
        ClusterApi.serve(coordinator, model, "127.0.0.1", port, ctx, maxNumSeqs, keys, prefixCaching, traceExporter,
                (boundPort, served) -> {
                    announce(name, threads, boundPort, logs);
                    System.err.printf("serving %s on http://127.0.0.1:%d/v1 (context %d, %d sequences, prefix caching"
                            + " %s)%n", served, boundPort, ctx, maxNumSeqs, prefixCaching ? "on" : "off");
                });
    }

    private HttpServer statusServer(Coordinator coordinator) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        http.createContext(STATUS_PATH, exchange -> {
            byte[] body = ClusterStatusJson.write(coordinator.status()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return http;
    }

    /** Greedy generation of one prompt through the pipeline; prints prompt and completion. */
    private void generate(Coordinator coordinator) throws Exception {
        Tokenizer tokenizer;
        try (GgufFile file = GgufFile.open(model)) {
            tokenizer = Tokenizer.fromGguf(file.metadata());
        }
        Set<Integer> endIds = new HashSet<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (tokenizer.isEndOfGeneration(id)) {
                endIds.add(id);
            }
        }
        int[] promptIds = tokenizer.encode(prompt, true, false);
        EngineConfig config = new EngineConfig(SchedulerConfig.defaults(ctx, endIds),
                new KvCacheConfig(4 * ((ctx + 15) / 16), 16, false));
        PipelineExecutor executor = new PipelineExecutor(coordinator, config, Duration.ofSeconds(120),
                Duration.ofSeconds(60));
        EngineCore engine = new EngineCore(config, executor);
        RequestOutputQueue queue = engine.addRequest(Request.of("up-0", promptIds, SamplingParams.greedy(maxTokens)));
        long start = System.nanoTime();
        List<Integer> tokens = new ArrayList<>();
        while (engine.hasWork()) {
            engine.step();
        }
        for (RequestOutput o; (o = queue.poll()) != null; ) {
            for (int t : o.newTokenIds()) {
                if (!endIds.contains(t)) {
                    tokens.add(t);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println(prompt + tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray()));
        System.err.printf("[%d prompt tokens, %d generated in %.2f s through %s; %d chunks replayed]%n",
                promptIds.length, tokens.size(), seconds, String.join(" | ", coordinator.status().replicas().stream()
                        .map(stages -> String.join(" -> ", stages)).toList()), executor.replays());
    }
}
