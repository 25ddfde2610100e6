package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node processes without a model file receive the tensors of their stages from peers. */
class PipelineShardTest {
    @TempDir
    Path dir;
    private ClusterFixture cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void nodeWithoutTheModelFileGivesTheSingleNodeTokens() throws Exception {
        Path model = PipelineTest.tinyStories();
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(2);
        long limit = PipelineTest.limitFor(model, 2);
        cluster.startNode("node-0", limit);
        cluster.startNode("node-1", limit, null, ClusterFixture.TOKEN);
        PipelineExecutor executor = new PipelineExecutor(coordinator, Duration.ofSeconds(90), Duration.ofSeconds(30));

        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS, s -> { });

        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(coordinator.status().stages()).as(cluster.logsOf("node-1")).containsExactlyInAnyOrder("node-0",
                "node-1");
        assertThat(cluster.logsOf("node-1")).contains("fetching").contains("from peers");
        assertThat(cluster.logs.resolve("shards")).isDirectoryContaining(p -> p.getFileName().toString()
                .startsWith("node-1-sha256-"));
    }
}
