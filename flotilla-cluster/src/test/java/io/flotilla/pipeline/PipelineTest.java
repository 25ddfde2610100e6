package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.exec.LocalExecutor;
import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.placement.GgufModelSpec;
import io.flotilla.placement.ModelSpec;
import io.flotilla.testkit.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 1-, 2- and 3-stage pipelines of node processes give the single-node greedy tokens. */
class PipelineTest {
    static final int[][] PROMPTS = {{1, 15, 200, 37, 99, 4}, {1, 250, 3}};
    static final int TOKENS = 12;

    @TempDir
    static Path dir;
    static Path synthetic;

    private ClusterFixture cluster;

    /** 6 layers, 64 wide, vocabulary 300: small enough to start fast, deep enough for 3 stages. */
    static Path writeSynthetic(Path dir) throws IOException {
        Path path = dir.resolve("synthetic-6l.gguf");
        if (!Files.exists(path)) {
            SyntheticModel.write(new SyntheticSpec(SyntheticArch.LLAMA, 64, 6, 4, 2, 16, 192, 300, 256, 0, 0, 0, 0,
                    10000f, GgmlType.F32, false, 7), path);
        }
        return path;
    }

    @BeforeAll
    static void models() throws IOException {
        synthetic = writeSynthetic(dir);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The single-node run: the same engine settings with a {@link LocalExecutor} over the whole model. */
    static List<List<Integer>> reference(Path model) throws IOException {
        try (GgufFile file = GgufFile.open(model); Compute compute = new Compute(1)) {
            return ClusterFixture.generate(new LocalExecutor(Model.load(file, compute), ClusterFixture.CONTEXT),
                    PROMPTS, TOKENS, step -> { });
        }
    }

    /** A memory limit per node such that the model needs {@code nodes} of them. */
    static long limitFor(Path model, int nodes) throws IOException {
        try (GgufFile file = GgufFile.open(model)) {
            ModelSpec spec = GgufModelSpec.of(file);
            long needed = spec.weightBytes() + spec.kvBytesPerToken() * ClusterFixture.CONTEXT * 2;
            return (long) (needed * 1.15 / nodes);
        }
    }

    private List<List<Integer>> runOn(Path model, int nodes) throws Exception {
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(nodes);
        long limit = nodes == 1 ? 0 : limitFor(model, nodes);
        for (int i = 0; i < nodes; i++) {
            cluster.startNode("node-" + i, limit);
        }
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(30));
        List<List<Integer>> got = ClusterFixture.generate(executor, PROMPTS, TOKENS, step -> { });
        assertThat(coordinator.status().stages()).as("stages of the plan").hasSize(nodes);
        if (nodes > 1) { // the nodes probed each other; the planner takes their link, not the assumed one
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.measuredLink("node-0", "node-1") != null);
            io.flotilla.placement.LinkStats link = coordinator.estimatedLink("node-0", "node-1");
            assertThat(link).isEqualTo(coordinator.measuredLink("node-0", "node-1"));
            assertThat(link.rttSeconds()).isPositive().isLessThan(0.1).isNotEqualTo(1e-4);
            assertThat(link.bytesPerSecond()).isPositive().isNotEqualTo(1e9);
            assertThat(coordinator.status().links()).extracting(ClusterStatus.Link::from, ClusterStatus.Link::to)
                    .contains(org.assertj.core.groups.Tuple.tuple("coordinator", "node-0"),
                            org.assertj.core.groups.Tuple.tuple("node-0", "node-1"),
                            org.assertj.core.groups.Tuple.tuple("node-1", "node-0"));
        }
        return got;
    }

    @Test
    void oneNodeGivesTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        assertThat(runOn(model, 1)).isEqualTo(reference(model));
    }

    @Test
    void twoStagesGiveTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        assertThat(runOn(model, 2)).isEqualTo(reference(model));
    }

    @Test
    void threeStagesGiveTheSingleNodeTokens() throws Exception {
        assertThat(runOn(synthetic, 3)).isEqualTo(reference(synthetic));
    }
}
