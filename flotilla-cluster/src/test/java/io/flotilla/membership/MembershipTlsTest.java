package io.flotilla.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.testkit.FreePorts;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.RecordingProxy;
import io.flotilla.transport.TlsKeyStore;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Membership over TLS: members with the cluster's store form a group; plain members neither join nor read. */
class MembershipTlsTest {
    private static final String CLUSTER = "flotilla-tls-membership-test";
    private static final ClusterToken TOKEN = ClusterToken.of("membership tls test token, long enough");
    private static SSLContext tls;

    private final List<Membership> started = new ArrayList<>();
    private final List<AutoCloseable> proxies = new ArrayList<>();

    @BeforeAll
    static void makeStore(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("cluster.p12");
        char[] password = "membership-tls-test".toCharArray();
        TlsKeyStore.generate(store, password, List.of("127.0.0.1"), 2);
        tls = TlsKeyStore.context(store, password);
        Files.delete(store);
    }

    @AfterEach
    void leave() throws Exception {
        started.reversed().forEach(Membership::close);
        for (AutoCloseable proxy : proxies) {
            proxy.close();
        }
    }

    private Membership start(String nodeId, int port, List<InetSocketAddress> hosts, boolean withTls,
                             MembershipListener listener) throws MembershipException {
        Membership membership = new Membership(new MembershipConfig(nodeId, CLUSTER, TOKEN, "127.0.0.1", port, hosts,
                Duration.ofSeconds(1), withTls ? Optional.of(tls) : Optional.empty()), listener);
        started.add(membership);
        membership.start();
        return membership;
    }

    /**
     * Starts {@code nodeId} on a free loopback port, trying another if that one was taken in between
     * (a port found free can be taken as the ephemeral source port of a connection before JGroups
     * binds it: CI saw "No available port to bind to"); returns the port.
     */
    private int startOnFreePort(String nodeId, IntFunction<List<InetSocketAddress>> hosts, boolean withTls)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.loopback(1)[0];
            try {
                start(nodeId, port, hosts.apply(port), withTls, view -> { });
                return port;
            } catch (MembershipException e) {
                Membership failed = started.removeLast();
                failed.close();
                if (attempt == 5 || !(e.getCause() instanceof BindException)) {
                    throw e;
                }
            }
        }
    }

    private static List<InetSocketAddress> hosts(int... ports) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (int port : ports) {
            hosts.add(new InetSocketAddress("127.0.0.1", port));
        }
        return hosts;
    }

    @Test
    void membersWithTheStoreJoinAndExchangeMessages() throws Exception {
        int[] ports = FreePorts.loopback(2);
        List<String> received = new CopyOnWriteArrayList<>();
        Membership a = start("a", ports[0], hosts(ports), true, view -> { });
        Membership b = start("b", ports[1], hosts(ports), true, new MembershipListener() {
            @Override
            public void viewChanged(MembershipView view) {
            }

            @Override
            public void received(String from, byte[] payload) {
                received.add(from + ":" + new String(payload, StandardCharsets.UTF_8));
            }
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(a.view().members()).containsExactly("a", "b"));

        a.send("b", "hello over tls".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(received).containsExactly("a:hello over tls"));
        assertThat(b.view().coordinator()).isEqualTo("a");
    }

    @Test
    void plainMemberWithTheTokenCannotJoinTlsGroup() throws Exception {
        int[] ports = FreePorts.loopback(2);
        Membership a = start("a", ports[0], hosts(ports), true, view -> { });
        Membership plain = start("plain", ports[1], hosts(ports), false, view -> { });
        Thread.sleep(1500);
        assertThat(a.view().members()).containsExactly("a");
        assertThat(plain.view().members()).containsExactly("plain");
    }

    @Test
    void membershipBytesAreUnreadableWithTlsAndReadableWithout() throws Exception {
        assertThat(clusterNameVisible(false)).as("plain TCP shows the cluster name").isTrue();
        started.reversed().forEach(Membership::close);
        started.clear();
        assertThat(clusterNameVisible(true)).as("TLS hides it").isFalse();
    }

    /**
     * Starts a, then b whose only initial host is a recording proxy to a (b's discovery request,
     * which names the cluster, goes through it); whether b's bytes show the cluster name.
     */
    private boolean clusterNameVisible(boolean withTls) throws Exception {
        int portA = startOnFreePort("a", port -> hosts(port), withTls);
        RecordingProxy proxy = new RecordingProxy(new InetSocketAddress("127.0.0.1", portA));
        proxies.add(proxy);
        startOnFreePort("b", port -> List.of(proxy.address()), withTls); // returns after the join timeout
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.clientBytes().length > 0);
        Thread.sleep(500);
        return new String(proxy.clientBytes(), StandardCharsets.ISO_8859_1).contains(CLUSTER);
    }
}
