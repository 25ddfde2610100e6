package io.flotilla.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.testkit.FreePorts;
import io.flotilla.transport.ClusterToken;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgroups.Address;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Discovery through DNS (JGroups DNS_PING); the test answers the queries itself, nothing leaves 127.0.0.1. */
class MembershipDnsTest {
    private static final String CLUSTER = "flotilla-dns-membership-test";
    private static final ClusterToken TOKEN = ClusterToken.of("membership dns test token, long enough");
    private static final String NAME = "_membership._tcp.flotilla.test.svc.cluster.local";

    private final List<Membership> started = new ArrayList<>();

    @AfterEach
    void leave() {
        started.reversed().forEach(Membership::close);
    }

    @Test
    void membersFoundThroughSrvRecordsFormOneGroup() throws Exception {
        int[] ports = FreePorts.loopback(2);
        List<String> queries = new CopyOnWriteArrayList<>();
        DNSResolver dns = (query, type) -> {
            queries.add(type + " " + query);
            List<Address> answer = new ArrayList<>();
            for (int port : ports) {
                answer.add(new IpAddress(InetAddress.getLoopbackAddress(), port));
            }
            return answer;
        };
        Membership a = start("a", ports[0], dns);
        start("b", ports[1], dns);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(a.view().members()).containsExactly("a", "b"));
        assertThat(queries).contains("SRV " + NAME);
    }

    private Membership start(String id, int port, DNSResolver dns) throws MembershipException {
        Membership membership = new Membership(new MembershipConfig(id, CLUSTER, TOKEN, "127.0.0.1", port, List.of(),
                Duration.ofSeconds(1)).withDns(DnsDiscovery.parse("dns+srv:" + NAME)), view -> { });
        membership.dnsResolver(dns);
        started.add(membership);
        membership.start();
        return membership;
    }

    @Test
    void discoveryFlagsParseAndPrintBack() {
        assertThat(DnsDiscovery.parse("dns:flotilla.ns.svc")).isEqualTo(
                new DnsDiscovery("flotilla.ns.svc", DnsDiscovery.RecordType.A));
        assertThat(DnsDiscovery.parse("dns+srv:_m._tcp.flotilla").recordType()).isEqualTo(DnsDiscovery.RecordType.SRV);
        assertThat(DnsDiscovery.parse("dns+aaaa:flotilla").toString()).isEqualTo("dns+aaaa:flotilla");
        assertThatThrownBy(() -> DnsDiscovery.parse("kube:flotilla")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kube:flotilla");
        assertThatThrownBy(() -> DnsDiscovery.parse("dns:")).isInstanceOf(IllegalArgumentException.class);
    }
}
