package io.flotilla.membership;

import io.flotilla.transport.ClusterToken;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a node joins the group.
 *
 * @param bindHost     address JGroups' TCP transport listens on
 * @param bindPort     its port (fixed: peers list it in their initial hosts)
 * @param initialHosts the members to contact first (may include this node)
 * @param joinTimeout  how long to wait for a coordinator's answer before forming a group alone
 */
public record MembershipConfig(String nodeId, String clusterName, ClusterToken token, String bindHost, int bindPort,
                               List<InetSocketAddress> initialHosts, Duration joinTimeout) {
    public MembershipConfig {
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
}
