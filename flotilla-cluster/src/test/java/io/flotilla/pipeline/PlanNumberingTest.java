package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.membership.Membership;
import io.flotilla.membership.MembershipConfig;
import io.flotilla.membership.MembershipException;
import io.flotilla.membership.MembershipListener;
import io.flotilla.membership.MembershipView;
import io.flotilla.node.DataLink;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.testkit.FreePorts;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a coordinator that joins an existing group numbers its plans, with no node process: a member in
 * this JVM reports the highest plan number it has seen and records what the coordinator sends it.
 */
class PlanNumberingTest {
    @TempDir
    Path dir;
    private final String cluster = "flotilla-plan-numbers-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private Peer peer;
    private Coordinator coordinator;

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void aCoordinatorThatHeldNoStageNumbersAfterThePlanAPeerReports() throws Exception {
        assertFirstPlan(0, 7, 8);
    }

    @Test
    void aCoordinatorNumbersAfterItsOwnPlanWhenThatIsTheHigher() throws Exception {
        assertFirstPlan(9, 7, 10);
    }

    /** The coordinator starts after plan {@code own}, the peer reports {@code reported}: its first plan. */
    private void assertFirstPlan(long own, long reported, long expected) throws Exception {
        int peerPort = FreePorts.loopback();
        peer = new Peer(cluster, peerPort, reported);
        peer.membership.start(); // the peer forms the group, the coordinator joins it, as in a take-over
        coordinator = new Coordinator(new CoordinatorConfig("node-b-coordinator", cluster, ClusterFixture.TOKEN,
                "127.0.0.1", FreePorts.loopback(), PipelineTest.writeSynthetic(dir), PlacementObjective.LATENCY, 1,
                ClusterFixture.CONTEXT, 2, Duration.ofSeconds(20)));
        coordinator.start(List.of(new java.net.InetSocketAddress("127.0.0.1", peerPort)), own);

        await().atMost(Duration.ofSeconds(30)).until(() -> !peer.assignments.isEmpty());
        assertThat(peer.assignments.peek().planVersion()).as("the first plan's number").isEqualTo(expected);
        assertThat(peer.announcements).as("the plan announcement every member gets")
                .anyMatch(a -> a.planVersion() == expected);
    }

    /** A member that reports a node of the given plan number and refuses every stage it is assigned. */
    private static final class Peer implements MembershipListener {
        final Queue<Message.StageAssignment> assignments = new ConcurrentLinkedQueue<>();
        final Queue<Message.NodeReport> announcements = new ConcurrentLinkedQueue<>();
        final Membership membership;
        private final Message.NodeReport report;

        Peer(String cluster, int port, long seenPlan) throws IOException {
            report = new Message.NodeReport("node-c", 1, "127.0.0.1", FreePorts.loopback(), "", 1, 1L << 30, 1e9, 1e9,
                    0, seenPlan);
            membership = new Membership(new MembershipConfig("node-c", cluster, ClusterFixture.TOKEN, "127.0.0.1",
                    port, List.of(), Duration.ofSeconds(1)), this);
        }

        @Override
        public void viewChanged(MembershipView view) {
            view.members().stream().filter(m -> !m.equals("node-c")).forEach(m -> send(m, report));
        }

        @Override
        public void received(String from, byte[] payload) {
            try {
                switch (DataLink.decode(from, payload)) {
                    case Message.StageAssignment a -> {
                        assignments.add(a);
                        send(from, new Message.StageReady(a.planVersion(), "node-c", false, "a test peer serves nothing"));
                    }
                    case Message.NodeReport r when r.threads() == 0 -> announcements.add(r);
                    default -> { }
                }
            } catch (IOException e) {
                throw new AssertionError("undecodable control message from " + from, e);
            }
        }

        private void send(String member, Message message) {
            try {
                membership.send(member, DataLink.encode(message));
            } catch (MembershipException e) {
                throw new AssertionError("could not send to " + member, e);
            }
        }

        void close() {
            membership.close();
        }
    }
}
