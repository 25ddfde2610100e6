package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A stage killed mid-generation, a node without the token, a node with another model. */
class PipelineFailureTest {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineFailureTest.class);

    @TempDir
    static Path dir;
    static Path synthetic;

    private ClusterFixture cluster;

    @BeforeAll
    static void models() throws Exception {
        synthetic = PipelineTest.writeSynthetic(dir);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingAStageMidGenerationStillGivesTheSameTokens() throws Exception {
        List<List<Integer>> expected = PipelineTest.reference(synthetic);
        cluster = new ClusterFixture(synthetic, dir);
        Coordinator coordinator = cluster.startCoordinator(3);
        long limit = PipelineTest.limitFor(synthetic, 2); // two nodes serve, the third stands by
        for (int i = 0; i < 3; i++) {
            cluster.startNode("node-" + i, limit);
        }
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(20));
        long[] detectedMillis = {-1};
        String[] victim = {null};
        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS, step -> {
            if (step == 4) {
                victim[0] = coordinator.status().stages().getLast();
                long start = System.nanoTime();
                cluster.processes.get(victim[0]).destroyForcibly(); // SIGKILL
                detectedMillis[0] = awaitNotAlive(coordinator, victim[0], start);
            }
        });
        LOG.info("killed {}; membership dropped it after {} ms; {} chunks replayed; plan now {}", victim[0],
                detectedMillis[0], executor.replays(), coordinator.status());
        assertThat(got).isEqualTo(expected);
        assertThat(detectedMillis[0]).as("failure detection (ms)").isBetween(0L, 3000L);
        assertThat(executor.replays()).isPositive();
        assertThat(coordinator.status().planVersion()).isGreaterThan(1);
        assertThat(coordinator.status().stages()).doesNotContain(victim[0]);
    }

    private static long awaitNotAlive(Coordinator coordinator, String node, long start) {
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
            boolean alive = coordinator.status().nodes().stream().anyMatch(n -> n.id().equals(node) && n.alive());
            if (!alive) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    @Test
    void nodeWithoutTheTokenCanNeitherJoinNorOpenADataConnection() throws Exception {
        cluster = new ClusterFixture(synthetic, dir);
        Coordinator coordinator = cluster.startCoordinator(1);
        cluster.startNode("node-0", 0);
        assertThat(coordinator.awaitPipeline(0, Duration.ofSeconds(60))).as("node-0 serves:\n%s",
                cluster.logsOf("node-0")).isNotNull();
        Process mallory = cluster.startNode("mallory", 0, synthetic, ClusterToken.of("not the token, but long enough"));
        assertThat(mallory.waitFor(40, TimeUnit.SECONDS)).as("mallory gives up").isTrue();
        assertThat(mallory.exitValue()).isEqualTo(2);
        assertThat(cluster.logsOf("mallory")).contains("could not join");
        assertThat(coordinator.status().nodes()).extracting(ClusterStatus.Node::id).containsExactly("node-0");

        String[] hostPort = coordinator.status().nodes().getFirst().address().split(":");
        try (TcpTransport outsider = new TcpTransport(TransportConfig.loopback("mallory", cluster.cluster,
                ClusterToken.of("not the token, but long enough")))) {
            outsider.start();
            assertThatThrownBy(() -> outsider.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))))
                    .isInstanceOf(io.flotilla.transport.AuthenticationException.class);
        }
    }

    @Test
    void nodeWithAnotherModelVersionIsRefusedNamingBoth() throws Exception {
        Path other = dir.resolve("other-seed.gguf");
        SyntheticModel.write(new SyntheticSpec(SyntheticArch.LLAMA, 64, 6, 4, 2, 16, 192, 300, 256, 0, 0, 0, 0,
                10000f, GgmlType.F32, false, 8), other);
        cluster = new ClusterFixture(synthetic, dir);
        Coordinator coordinator = cluster.startCoordinator(1);
        cluster.startNode("stranger", 0, other, ClusterFixture.TOKEN);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline && coordinator.status().nodes().isEmpty()) {
            Thread.sleep(100);
        }
        assertThat(coordinator.status().nodes()).as("the stranger reported:\n%s", cluster.logsOf("stranger"))
                .hasSize(1);
        ClusterStatus.Node stranger = coordinator.status().nodes().getFirst();
        assertThat(stranger.refused()).contains(coordinator.modelVersion()).contains("stranger")
                .containsPattern("has model version sha256:[0-9a-f]{16}");
        assertThat(coordinator.status().stages()).isEmpty();
    }
}
