package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.testkit.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node processes without a model file receive the tensors of their stages from peers, checked. */
class PipelineShardTest {
    @TempDir
    Path dir;
    private ClusterFixture cluster;

    private ShardLiar liar;

    @AfterEach
    void stop() {
        if (liar != null) {
            liar.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(100);
        }
    }

    /**
     * node-1 asks the peers in id order: the liar first (every tensor it sends has a flipped byte),
     * then the coordinator. The liar joins, and node-1 learns of it, before node-0 starts and the
     * first plan can be made.
     */
    @Test
    void nodeWithoutTheModelFileRefusesATamperedShardAndGivesTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(2);
        liar = new ShardLiar("aaa-liar", cluster, dir);
        liar.start(cluster);
        long limit = PipelineTest.limitFor(model, 2);
        cluster.startNode("node-1", limit, null, ClusterFixture.TOKEN);
        await(() -> coordinator.status().nodes().stream().anyMatch(n -> n.id().equals("node-1")));
        cluster.startNode("node-0", limit);
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(90), Duration.ofSeconds(30));

        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS, s -> { });

        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(coordinator.status().stages()).as(cluster.logsOf("node-1")).containsExactlyInAnyOrder("node-0",
                "node-1");
        assertThat(cluster.logsOf("node-1")).contains("fetching").contains("from peers")
                .containsPattern("refused tensor '[^']+' from /127.0.0.1:\\d+: tensor '[^']+' of model version sha256:"
                        + "[0-9a-f]+ arrived with hash [0-9a-f]{64} but the coordinator announced [0-9a-f]{64}");
        assertThat(cluster.logs.resolve("shards")).isDirectoryContaining(p -> p.getFileName().toString()
                .startsWith("node-1-sha256-"));
    }
}
