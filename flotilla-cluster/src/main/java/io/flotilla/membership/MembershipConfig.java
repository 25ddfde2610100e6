package io.flotilla.membership;

import io.flotilla.transport.ClusterToken;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How a node joins the group.
 *
 * @param bindHost     address JGroups' TCP transport listens on
 * @param bindPort     its port (fixed: peers list it in their initial hosts)
 * @param initialHosts the members to contact first (may include this node)
 * @param joinTimeout  how long to wait for a coordinator's answer before forming a group alone
 * @param tls          when present, every JGroups connection (discovery, views, messages) runs TLS with
 *                     this context and both sides must present a certificate it trusts; empty: plain TCP
 * @param dns          when present, the first members are found through DNS and {@code initialHosts} is not used
 */
public record MembershipConfig(String nodeId, String clusterName, ClusterToken token, String bindHost, int bindPort,
                               List<InetSocketAddress> initialHosts, Duration joinTimeout, Optional<SSLContext> tls,
                               Optional<DnsDiscovery> dns) {
    public MembershipConfig {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        initialHosts = List.copyOf(initialHosts);
        if (bindPort <= 0 || bindPort > 65535) {
            throw new IllegalArgumentException("bindPort must be 1..65535, got " + bindPort);
        }
    }

    /** Plain TCP membership traffic (authenticated by the token, not encrypted). */
    public MembershipConfig(String nodeId, String clusterName, ClusterToken token, String bindHost, int bindPort,
                            List<InetSocketAddress> initialHosts, Duration joinTimeout) {
        this(nodeId, clusterName, token, bindHost, bindPort, initialHosts, joinTimeout, Optional.empty());
    }

    /** Static initial hosts; TLS when {@code tls} is present. */
    public MembershipConfig(String nodeId, String clusterName, ClusterToken token, String bindHost, int bindPort,
                            List<InetSocketAddress> initialHosts, Duration joinTimeout, Optional<SSLContext> tls) {
        this(nodeId, clusterName, token, bindHost, bindPort, initialHosts, joinTimeout, tls, Optional.empty());
    }

    /** This config finding the first members through DNS (null: through {@code initialHosts}). */
    public MembershipConfig withDns(DnsDiscovery discovery) {
        return new MembershipConfig(nodeId, clusterName, token, bindHost, bindPort, initialHosts, joinTimeout, tls,
                Optional.ofNullable(discovery));
    }

    /** This config with TLS on every membership connection. */
    public MembershipConfig withTls(SSLContext context) {
        return new MembershipConfig(nodeId, clusterName, token, bindHost, bindPort, initialHosts, joinTimeout,
                Optional.of(context), dns);
    }
}
