package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.placement.LayerSpec;
import io.flotilla.placement.LinkStats;
import io.flotilla.placement.ModelSpec;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.placement.PlacementPlan;
import io.flotilla.placement.PlacementRequest;
import io.flotilla.wire.Message;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The coordinator's book of nodes, with hand-made reports and no process. */
class NodeRosterTest {
    private static final long MB = 1L << 20;
    private static final String VERSION = "sha256-model";

    private final LinkTable links = new LinkTable("coordinator");
    private final NodeRoster roster = new NodeRoster(model(4), VERSION, links, PlacementObjective.LATENCY, 256);

    private static ModelSpec model(int layers) {
        LayerSpec layer = new LayerSpec(8 * MB, 16.0 * MB, 8 * MB, 4096, "Q8_0");
        LayerSpec small = new LayerSpec(MB, 0, 4096, 0, "F32");
        return new ModelSpec("test", small, Collections.nCopies(layers, layer), small, 8192);
    }

    private static Message.NodeReport report(String id, String version, long memory) {
        return new Message.NodeReport(id, 100, "127.0.0.1", 7000 + id.hashCode() % 100, version, 2, memory, 1e10,
                1e10, 0, 0);
    }

    @Test
    void aNewOrChangedReportOfTheServedVersionIsWorthAReplanTheSameOneIsNot() {
        assertThat(roster.accept(report("a", VERSION, 100 * MB))).isTrue();
        assertThat(roster.accept(report("a", VERSION, 100 * MB))).isFalse();
        assertThat(roster.accept(report("a", VERSION, 100 * MB).withPlanVersion(4)))
                .as("a node that saw a new plan has not changed").isFalse();
        assertThat(roster.accept(report("a", VERSION, 200 * MB))).isTrue();
        assertThat(roster.accept(report("b", "", 100 * MB))).as("no copy of its own: takes tensors from peers")
                .isTrue();
        assertThat(roster.usable()).extracting(Message.NodeReport::nodeId).containsExactly("a", "b");
    }

    @Test
    void aNodeBackInTheViewAfterItWasDroppedIsWorthAReplan() {
        assertThat(roster.accept(report("a", VERSION, 100 * MB))).isTrue();
        roster.retainAlive(List.of("coordinator")); // suspected under load and dropped from the view
        assertThat(roster.usable()).isEmpty();
        assertThat(roster.accept(report("a", VERSION, 100 * MB))).as("merged back, same report").isTrue();
        assertThat(roster.usable()).extracting(Message.NodeReport::nodeId).containsExactly("a");
        assertThat(roster.accept(report("a", VERSION, 100 * MB))).isFalse();
    }

    @Test
    void aShardSourceAnnouncementIsNoNode() {
        Message.NodeReport source = new Message.NodeReport("other", 1, "127.0.0.1", 9000, VERSION, 0, 0, 0, 0, 0, 0);
        assertThat(roster.accept(source)).isFalse();
        assertThat(roster.usable()).isEmpty();
        assertThat(roster.reported()).isEmpty();
    }

    @Test
    void anotherModelVersionIsRefusedAndShownWithItsReason() {
        assertThat(roster.accept(report("old", "sha256-old", 100 * MB))).isFalse();
        assertThat(roster.usable()).isEmpty();
        ClusterStatus.Node node = roster.status(List.of()).getFirst();
        assertThat(node.refused()).contains("sha256-old", VERSION);
        assertThat(node.alive()).isTrue();
    }

    @Test
    void onlyLiveUnrefusedNodesAreUsableSortedById() {
        for (String id : List.of("c", "a", "b", "d")) {
            roster.accept(report(id, VERSION, 100 * MB));
        }
        roster.retainAlive(Set.of("a", "b", "c", "coordinator"));
        roster.refuse("b", "could not load its range");
        assertThat(roster.usable()).extracting(Message.NodeReport::nodeId).containsExactly("a", "c");
        assertThat(roster.reported()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(roster.status(List.of())).extracting(ClusterStatus.Node::id, ClusterStatus.Node::alive,
                ClusterStatus.Node::refused).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", true, null),
                org.assertj.core.groups.Tuple.tuple("b", true, "could not load its range"),
                org.assertj.core.groups.Tuple.tuple("c", true, null),
                org.assertj.core.groups.Tuple.tuple("d", false, null));
    }

    @Test
    void thePlannerSeesEveryNodesMemoryAndTheLinksBetweenThem() {
        roster.accept(report("a", VERSION, 100 * MB));
        roster.accept(report("b", VERSION, 50 * MB));
        links.put(new Message.LinkReport("a", "b", 0.02, 1.25e6));
        PlacementRequest request = roster.request(roster.usable());

        assertThat(request.kvTokensPerReplica()).isEqualTo(256);
        assertThat(request.cluster().nodes()).extracting(n -> n.nodeId() + "=" + n.usableMemoryBytes() / MB)
                .containsExactly("a=100", "b=50");
        assertThat(request.cluster().nodes().getFirst().flopsPerSecond()).containsOnlyKeys("Q8_0", "F32");
        assertThat(request.cluster().links().get("b").get("a")).isEqualTo(new LinkStats(0.02, 1.25e6));
    }

    @Test
    void aPlanIsLaidOutOnTheNodesDataAddressesAndShownInTheStatus() throws Exception {
        roster.accept(report("a", VERSION, 30 * MB));
        roster.accept(report("b", VERSION, 30 * MB));
        PlacementPlan plan = roster.plan(roster.usable());
        List<List<ActivePipeline.Stage>> replicas = roster.layout(plan);

        assertThat(replicas).hasSize(1);
        List<ActivePipeline.Stage> stages = replicas.getFirst();
        assertThat(stages).extracting(ActivePipeline.Stage::nodeId).containsExactlyInAnyOrder("a", "b");
        assertThat(stages.getFirst().firstLayer()).isZero();
        assertThat(stages.getLast().lastLayer()).isEqualTo(4);
        for (ActivePipeline.Stage stage : stages) {
            Message.NodeReport r = report(stage.nodeId(), VERSION, 30 * MB);
            assertThat(stage.dataAddress()).isEqualTo(new InetSocketAddress(r.dataHost(), r.dataPort()));
        }
        assertThat(roster.status(replicas)).allSatisfy(node -> assertThat(node.layers()).hasSize(2));
        assertThat(roster.reevaluate(roster.usable(), plan).cost()).isEqualTo(plan.cost());
    }
}
