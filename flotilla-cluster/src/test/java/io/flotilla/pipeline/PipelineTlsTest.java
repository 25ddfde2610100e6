package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.testkit.SharedData;
import io.flotilla.transport.TlsKeyStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A two-stage pipeline whose data connections use TLS from a generated key store gives the single-node tokens. */
class PipelineTlsTest {
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
    void twoStagesOverTlsGiveTheSingleNodeTokens() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        Path store = dir.resolve("cluster.p12");
        TlsKeyStore.generate(store, TlsKeyStore.password(ClusterFixture.TOKEN), List.of("127.0.0.1"), 1);
        cluster = new ClusterFixture(model, dir);
        cluster.tls = store;
        Coordinator coordinator = cluster.startCoordinator(2);
        long limit = PipelineTest.limitFor(model, 2);
        cluster.startNode("node-0", limit);
        cluster.startNode("node-1", limit);
        PipelineExecutor executor = new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60), Duration.ofSeconds(30));
        List<List<Integer>> got = ClusterFixture.generate(executor, PipelineTest.PROMPTS, PipelineTest.TOKENS,
                step -> { });
        assertThat(coordinator.status().stages()).hasSize(2);
        assertThat(got).isEqualTo(PipelineTest.reference(model));
        assertThat(cluster.logsOf("node-0")).contains("(TLS)");
    }
}
