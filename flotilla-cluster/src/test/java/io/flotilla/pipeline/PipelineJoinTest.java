package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that joins while requests run is placed at a step boundary without changing their tokens. */
class PipelineJoinTest {
    @TempDir
    static Path dir;

    private ClusterFixture cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNodeJoiningDuringGenerationIsPlacedAndTheTokensStayTheSame() throws Exception {
        Path model = PipelineTest.writeSynthetic(dir);
        List<List<Integer>> expected = PipelineTest.reference(model);
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(1);
        long limit = PipelineTest.limitFor(model, 1);
        cluster.startNode("node-0", limit);
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(20));
        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS, step -> {
            if (step == 3) {
                try {
                    cluster.startNode("node-1", limit);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                    while (coordinator.status().planVersion() < 2 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(coordinator.status().planVersion()).as("re-planned for the new node").isEqualTo(2);
        assertThat(coordinator.status().nodes()).extracting(ClusterStatus.Node::id).containsExactly("node-0", "node-1");
        assertThat(executor.replays()).isPositive();
        assertThat(got).isEqualTo(expected);
    }
}
