package io.flotilla.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.testkit.FreePorts;
import io.flotilla.transport.ClusterToken;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MembershipTest {
    private static final String CLUSTER = "flotilla-membership-test";
    private static final ClusterToken TOKEN = ClusterToken.of("membership test token, long enough");

    private final List<Membership> started = new ArrayList<>();

    @AfterEach
    void leave() {
        started.reversed().forEach(Membership::close);
    }

    private Membership start(String nodeId, ClusterToken token, int port, int[] peers, List<MembershipView> views)
            throws MembershipException {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (int peer : peers) {
            hosts.add(new InetSocketAddress("127.0.0.1", peer));
        }
        Membership membership = new Membership(new MembershipConfig(nodeId, CLUSTER, token, "127.0.0.1", port, hosts,
                Duration.ofSeconds(1)), views::add);
        started.add(membership);
        membership.start();
        return membership;
    }

    @Test
    void threeNodesJoinAndOneLeaves() throws Exception {
        int[] ports = FreePorts.loopback(3);
        List<MembershipView> seenByA = new CopyOnWriteArrayList<>();
        Membership a = start("a", TOKEN, ports[0], ports, seenByA);
        Membership b = start("b", TOKEN, ports[1], ports, new CopyOnWriteArrayList<>());
        Membership c = start("c", TOKEN, ports[2], ports, new CopyOnWriteArrayList<>());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(a.view().members()).containsExactly("a", "b", "c"));
        assertThat(a.isCoordinator()).isTrue();
        assertThat(b.view().coordinator()).isEqualTo("a");
        assertThat(seenByA).extracting(MembershipView::joined).contains(List.of("b"), List.of("c"));

        c.close();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(a.view().members()).containsExactly("a", "b"));
        assertThat(seenByA.getLast().left()).containsExactly("c");
        assertThat(b.isCoordinator()).isFalse();
    }

    @Test
    void nodeWithoutTheTokenCannotJoin() throws Exception {
        int[] ports = FreePorts.loopback(2);
        Membership a = start("a", TOKEN, ports[0], ports, new CopyOnWriteArrayList<>());
        assertThatThrownBy(() -> start("mallory", ClusterToken.of("not the token, but long enough"), ports[1], ports,
                new CopyOnWriteArrayList<>()))
                .isInstanceOf(MembershipException.class).hasMessageContaining("mallory");
        Thread.sleep(500);
        assertThat(a.view().members()).containsExactly("a");
    }
}
