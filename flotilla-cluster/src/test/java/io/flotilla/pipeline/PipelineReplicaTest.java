package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.placement.PlacementObjective;
import io.flotilla.testkit.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throughput objective with room for the model twice: two nodes that each hold it make two single-stage
 * replicas, four that each hold half make two replicas of two stages; the sequences are shared out.
 */
class PipelineReplicaTest {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineReplicaTest.class);

    @TempDir
    Path dir;

    private ClusterFixture cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Coordinator twoReplicas(Path model) throws Exception {
        cluster = new ClusterFixture(model, dir);
        cluster.objective = PlacementObjective.THROUGHPUT;
        Coordinator coordinator = cluster.startCoordinator(2);
        cluster.startNode("node-0", 0);
        cluster.startNode("node-1", 0);
        return coordinator;
    }

    @Test
    void twoReplicasShareTheSequencesAndGiveTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        Coordinator coordinator = twoReplicas(model);
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(30));

        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS,
                step -> { });

        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(coordinator.status().replicas()).containsExactlyInAnyOrder(List.of("node-0"), List.of("node-1"));
        assertThat(executor.tokensByReplica()).containsOnlyKeys("node-0", "node-1");
        assertThat(executor.tokensByReplica().values()).allMatch(tokens -> tokens > PipelineTest.TOKENS / 2);
    }

    @Test
    void fourNodesThatEachHoldHalfTheModelServeAsTwoReplicasOfTwoStages() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        cluster = new ClusterFixture(model, dir);
        cluster.objective = PlacementObjective.THROUGHPUT;
        Coordinator coordinator = cluster.startCoordinator(4);
        long limit = PipelineTest.limitFor(model, 2);
        for (int i = 0; i < 4; i++) {
            cluster.startNode("node-" + i, limit);
        }
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(90), Duration.ofSeconds(30));

        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS,
                step -> { });

        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(coordinator.status().replicas()).hasSize(2).allSatisfy(stages -> assertThat(stages).hasSize(2));
        assertThat(executor.tokensByReplica()).hasSize(2);
    }

    @Test
    void losingAReplicaMidGenerationReplaysItsSequencesOnTheOther() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        Coordinator coordinator = twoReplicas(model);
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(20));
        String[] victim = {null};

        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS,
                step -> {
                    if (step == 4) {
                        victim[0] = coordinator.status().replicas().getLast().getFirst();
                        cluster.processes.get(victim[0]).destroyForcibly(); // SIGKILL
                    }
                });

        LOG.info("killed {}; {} chunks replayed; tokens by replica {}; plan now {}", victim[0], executor.replays(),
                executor.tokensByReplica(), coordinator.status());
        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(executor.replays()).isPositive();
        assertThat(coordinator.status().replicas()).hasSize(1);
        assertThat(coordinator.status().stages()).doesNotContain(victim[0]);
    }
}
