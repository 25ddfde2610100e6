package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgufFile;
import io.flotilla.node.DataLink;
import io.flotilla.node.TensorHashes;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assigning a plan's ranges and waiting for the stages, with a recording sender instead of a cluster. */
class StageAssignmentsTest {
    private static final InetSocketAddress RESULTS = new InetSocketAddress("127.0.0.1", 9000);

    @TempDir
    static Path dir;
    static GgufFile file;
    static TensorHashes hashes;

    /** What each node was sent, decoded. */
    private final Map<String, Message.StageAssignment> sent = new ConcurrentHashMap<>();

    @BeforeAll
    static void model() throws IOException {
        file = GgufFile.open(PipelineTest.writeSynthetic(dir));
        hashes = new TensorHashes(file);
    }

    @AfterAll
    static void close() {
        file.close();
    }

    private static ActivePipeline.Stage stage(String node, int first, int last, int port) {
        return new ActivePipeline.Stage(node, first, last, new InetSocketAddress("127.0.0.1", port));
    }

    /** Assignments whose sender records each message and lets {@code answer} reply to it. */
    private StageAssignments assignments(Duration timeout, java.util.function.BiConsumer<StageAssignments,
            Message.StageAssignment> answer) {
        StageAssignments[] self = new StageAssignments[1];
        self[0] = new StageAssignments(hashes, 6, 128, timeout, (node, payload) -> {
            try {
                Message.StageAssignment assignment = (Message.StageAssignment) DataLink.decode(node, payload);
                sent.put(node, assignment);
                answer.accept(self[0], assignment);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return self[0];
    }

    private static void readyLater(StageAssignments assignments, String node, boolean ok, String reason) {
        Thread.ofVirtual().start(() -> assignments.ready(new Message.StageReady(1, node, ok, reason)));
    }

    @Test
    void eachStageLearnsItsRangeItsSuccessorAndItsTensorsHashes() throws Exception {
        Map<Integer, String> byFirstLayer = Map.of(0, "a", 2, "b", 5, "c");
        StageAssignments assignments = assignments(Duration.ofSeconds(10),
                (self, a) -> readyLater(self, byFirstLayer.get(a.firstLayer()), true, ""));
        List<ActivePipeline.Stage> stages = List.of(stage("a", 0, 2, 7001), stage("b", 2, 5, 7002),
                stage("c", 5, 6, 7003));

        assignments.assign(3, List.of(stages), RESULTS);

        assertThat(sent).containsOnlyKeys("a", "b", "c");
        assertThat(sent.values()).allSatisfy(a -> {
            assertThat(a.planVersion()).isEqualTo(3);
            assertThat(a.contextLength()).isEqualTo(128);
            assertThat(a.modelVersion()).isEqualTo(hashes.modelVersion());
            assertThat(a.tensorNames()).isEqualTo(hashes.stageTensors(a.firstLayer(), a.lastLayer(), 6)
                    .toArray(String[]::new));
            assertThat(a.tensorHashes()).hasSameSizeAs(a.tensorNames())
                    .containsExactly(List.of(a.tensorNames()).stream().map(hashes::hash).toArray(String[]::new));
        });
        assertThat(sent.get("a").nextPort()).isEqualTo(7002);
        assertThat(sent.get("b").nextPort()).isEqualTo(7003);
        assertThat(sent.get("c").nextPort()).as("the last stage sends to the coordinator").isEqualTo(9000);
        assertThat(sent.get("b").firstLayer()).isEqualTo(2);
        assertThat(sent.get("b").lastLayer()).isEqualTo(5);
    }

    @Test
    void everyReplicaEndsAtTheResults() throws Exception {
        StageAssignments assignments = assignments(Duration.ofSeconds(10),
                (self, a) -> readyLater(self, a.nextPort() == 7002 ? "a" : a.firstLayer() == 0 ? "c" : "b", true, ""));
        assignments.assign(1, List.of(List.of(stage("a", 0, 3, 7001), stage("b", 3, 6, 7002)),
                List.of(stage("c", 0, 6, 7003))), RESULTS);
        assertThat(sent.get("b").nextPort()).isEqualTo(9000);
        assertThat(sent.get("c").nextPort()).isEqualTo(9000);
    }

    @Test
    void aStageThatRefusesItsRangeIsNamed() {
        StageAssignments assignments = assignments(Duration.ofSeconds(10),
                (self, a) -> readyLater(self, "a", false, "not enough memory"));
        assertThatThrownBy(() -> assignments.assign(1, List.of(List.of(stage("a", 0, 6, 7001))), RESULTS))
                .isInstanceOfSatisfying(StageAssignments.RefusedException.class, e -> {
                    assertThat(e.nodeId()).isEqualTo("a");
                    assertThat(e).hasMessage("not enough memory");
                });
    }

    @Test
    void aNodeThatLeavesFailsTheWaitAtOnce() {
        StageAssignments assignments = assignments(Duration.ofSeconds(30),
                (self, a) -> Thread.ofVirtual().start(() -> self.left("a")));
        long start = System.nanoTime();
        assertThatThrownBy(() -> assignments.assign(1, List.of(List.of(stage("a", 0, 6, 7001))), RESULTS))
                .isInstanceOf(IOException.class).hasMessageContaining("node a left the cluster");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void silenceTimesOutAndAnswersOfOtherNodesAreIgnored() {
        StageAssignments assignments = assignments(Duration.ofMillis(200),
                (self, a) -> self.ready(new Message.StageReady(1, "stranger", true, "")));
        assertThatThrownBy(() -> assignments.assign(1, List.of(List.of(stage("a", 0, 6, 7001))), RESULTS))
                .isInstanceOf(TimeoutException.class);
    }
}
