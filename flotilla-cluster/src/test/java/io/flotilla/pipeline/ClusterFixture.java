package io.flotilla.pipeline;

import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestOutputQueue;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.Executor;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeLauncher;
import io.flotilla.node.NodeMain;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.testkit.FreePorts;
import io.flotilla.transport.ClusterToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/** A coordinator in this JVM and node processes on 127.0.0.1; {@link #close} kills every process. */
final class ClusterFixture implements AutoCloseable {
    static final ClusterToken TOKEN = ClusterToken.of("pipeline test token, long enough");
    static final int CONTEXT = 128;

    final Path model;
    final Path logs;
    final String cluster = "flotilla-pipeline-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    final Map<String, Process> processes = new LinkedHashMap<>();
    Coordinator coordinator;
    /** TLS key store of every member's data connections, or null for plain TCP; set before starting. */
    Path tls;
    /** What the coordinator's planner optimizes; set before starting. */
    PlacementObjective objective = PlacementObjective.LATENCY;

    /** Node logs go to {@code logs}, or to the folder named by the system property {@code flotilla.test.logs}. */
    ClusterFixture(Path model, Path logs) {
        this.model = model;
        String kept = System.getProperty("flotilla.test.logs");
        this.logs = kept == null ? logs : Path.of(kept);
    }

    Coordinator startCoordinator(int expectedNodes) throws Exception {
        coordinator = new Coordinator(new CoordinatorConfig("coordinator", cluster, TOKEN, "127.0.0.1",
                FreePorts.loopback(), model, objective, expectedNodes, CONTEXT, 2, Duration.ofSeconds(30), tls));
        coordinator.start();
        return coordinator;
    }

    /**
     * Starts a node process with this model (or {@code modelFile}; null: none, it receives its tensors
     * from peers into {@code logs/shards}) and token, joining the coordinator.
     */
    Process startNode(String id, long memoryLimit, Path modelFile, ClusterToken token) throws IOException {
        NodeConfig config = new NodeConfig(id, cluster, token, "127.0.0.1", FreePorts.loopback(), 0,
                coordinator.config().joinAddress(), 1, memoryLimit, modelFile).withTls(tls)
                .withShardCache(logs.resolve("shards"));
        Process process = NodeLauncher.launch(config, List.of(), NodeMain.class.getName(),
                List.of(), logs.resolve(id + ".log"));
        processes.put(id, process);
        return process;
    }

    Process startNode(String id, long memoryLimit) throws IOException {
        return startNode(id, memoryLimit, model, TOKEN);
    }

    static EngineConfig engineConfig() {
        return new EngineConfig(new SchedulerConfig(64, 4, CONTEXT, Set.of(), false, 64),
                new KvCacheConfig(64, 16, false));
    }

    /**
     * Greedy generation of {@code maxTokens} for each prompt, all in flight together;
     * {@code afterStep} is called with the step number after each step.
     */
    static List<List<Integer>> generate(Executor executor, int[][] prompts, int maxTokens, IntConsumer afterStep) {
        EngineCore engine = new EngineCore(engineConfig(), executor);
        List<RequestOutputQueue> queues = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            queues.add(engine.addRequest(new Request("r" + i, prompts[i],
                    SamplingParams.greedy(maxTokens).withIgnoreEos(true), "t", engine.now())));
        }
        for (int step = 0; step < 10_000 && engine.hasWork(); step++) {
            engine.step();
            afterStep.accept(step);
        }
        List<List<Integer>> out = new ArrayList<>();
        for (RequestOutputQueue q : queues) {
            List<Integer> tokens = new ArrayList<>();
            for (RequestOutput o; (o = q.poll()) != null; ) {
                for (int t : o.newTokenIds()) {
                    tokens.add(t);
                }
            }
            out.add(tokens);
        }
        return out;
    }

    String logsOf(String id) {
        try {
            return Files.readString(logs.resolve(id + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        NodeLauncher.stopAll(processes.values());
        if (coordinator != null) {
            coordinator.close();
        }
    }
}
