package io.flotilla.node;

import static io.flotilla.node.CoordinatorElection.isElected;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.wire.Message;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The oldest candidate alive coordinates; unknown members, coordinators and older candidates block it. */
class CoordinatorElectionTest {
    private static Message.NodeReport node(String id, int apiPort) {
        return new Message.NodeReport(id, 1, "127.0.0.1", 1, "sha256:1", 1, 1, 1, 1, apiPort, 0);
    }

    private static Message.NodeReport coordinator(String id) {
        return new Message.NodeReport(id, 1, "127.0.0.1", 1, "sha256:1", 0, 0, 0, 0, 0, 0);
    }

    @Test
    void aCandidateThatFormsTheGroupCoordinates() {
        assertThat(isElected("a", List.of("a"), Map.of())).isTrue();
    }

    @Test
    void plainNodesAheadDoNotBlockButCandidatesAndCoordinatorsDo() {
        Map<String, Message.NodeReport> reports = Map.of("c", node("c", 0), "a", node("a", 8081),
                "up", coordinator("up"));
        assertThat(isElected("b", List.of("c", "b"), reports)).isTrue();
        assertThat(isElected("b", List.of("a", "c", "b"), reports)).as("an older candidate is alive").isFalse();
        assertThat(isElected("b", List.of("up", "b"), reports)).as("a coordinator is alive").isFalse();
        assertThat(isElected("a", List.of("c", "a", "b"), reports)).isTrue();
    }

    @Test
    void aMemberWithoutAReportYetBlocksUntilItReports() {
        assertThat(isElected("b", List.of("x", "b"), Map.of())).isFalse();
        assertThat(isElected("b", List.of("x", "b"), Map.of("x", node("x", 0)))).isTrue();
    }

    @Test
    void aNodeOutsideTheViewIsNotElected() {
        assertThat(isElected("b", List.of("c"), Map.of("c", node("c", 0)))).isFalse();
    }
}
