package io.flotilla.node;

import io.flotilla.membership.DnsDiscovery;
import io.flotilla.transport.ClusterToken;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a node process runs.
 *
 * @param host           address for both endpoints (membership and data)
 * @param port           JGroups membership port (peers list it in {@code --join})
 * @param dataPort       port of the data endpoint (0: any free port; the node reports the one it got)
 * @param join           members to contact first
 * @param threads        compute threads of this node
 * @param memoryLimit    at most this many bytes offered to the planner (0: what the probe measured)
 * @param model          the local GGUF file, or null when the node has none and receives the tensors of its
 *                       stages from peers ({@link ShardCache})
 * @param slowdown       emulated slowness for benchmarks and tests (1: none; 3: after each batch the node
 *                       sleeps twice its compute time, and reports a third of its measured speeds)
 * @param tlsKeyStore    PKCS#12 store for TLS on data connections ({@link io.flotilla.transport.TlsKeyStore}),
 *                       or null for plain TCP
 * @param dns            find the first members through DNS instead of {@code join}, or null
 * @param shardCache     folder of the shards received from peers (null: {@link #DEFAULT_SHARD_CACHE})
 */
public record NodeConfig(String nodeId, String clusterName, ClusterToken token, String host, int port, int dataPort,
                         List<InetSocketAddress> join, int threads, long memoryLimit, Path model, double slowdown,
                         Path tlsKeyStore, DnsDiscovery dns, Path shardCache) {
    public NodeConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(host, "host");
        if (shardCache == null) {
            shardCache = DEFAULT_SHARD_CACHE;
        }
        join = List.copyOf(join);
        if (!(slowdown >= 1)) {
            throw new IllegalArgumentException("node " + nodeId + " needs slowdown >= 1, got " + slowdown);
        }
        if (threads < 1 || memoryLimit < 0) {
            throw new IllegalArgumentException("node " + nodeId + " needs threads >= 1 and memory limit >= 0, got "
                    + threads + " and " + memoryLimit);
        }
    }

    /** A node that finds its first members in {@code join}. */
    public NodeConfig(String nodeId, String clusterName, ClusterToken token, String host, int port, int dataPort,
                      List<InetSocketAddress> join, int threads, long memoryLimit, Path model, double slowdown,
                      Path tlsKeyStore) {
        this(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model, slowdown,
                tlsKeyStore, null, null);
    }

    /** This node, finding its first members through DNS (null: through {@code join}). */
    public NodeConfig withDns(DnsDiscovery discovery) {
        return new NodeConfig(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model,
                slowdown, tlsKeyStore, discovery, shardCache);
    }

    /** A node at full speed. */
    public NodeConfig(String nodeId, String clusterName, ClusterToken token, String host, int port, int dataPort,
                      List<InetSocketAddress> join, int threads, long memoryLimit, Path model) {
        this(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model, 1, null, null, null);
    }

    /** This node, made {@code factor} times slower (see {@link #slowdown}). */
    public NodeConfig withSlowdown(double factor) {
        return new NodeConfig(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model,
                factor, tlsKeyStore, dns, shardCache);
    }

    /** This node with TLS on its data connections from {@code store} (null: plain TCP). */
    public NodeConfig withTls(Path store) {
        return new NodeConfig(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model,
                slowdown, store, dns, shardCache);
    }

    /** This node keeping the shards it receives from peers in {@code folder} (null: the default). */
    public NodeConfig withShardCache(Path folder) {
        return new NodeConfig(nodeId, clusterName, token, host, port, dataPort, join, threads, memoryLimit, model,
                slowdown, tlsKeyStore, dns, folder);
    }

    /** {@code ~/.cache/flotilla/shards}. */
    public static final Path DEFAULT_SHARD_CACHE = Path.of(System.getProperty("user.home"), ".cache", "flotilla",
            "shards");

    /** Parses {@code HOST:PORT,HOST:PORT,...}. */
    public static List<InetSocketAddress> parseHosts(String text) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return hosts;
        }
        for (String part : text.split(",")) {
            int colon = part.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected HOST:PORT, got '" + part + "' in '" + text + "'");
            }
            hosts.add(new InetSocketAddress(part.substring(0, colon).trim(),
                    Integer.parseInt(part.substring(colon + 1).trim())));
        }
        return hosts;
    }

    /** Environment variable that carries the token to a launched node (kept off its command line). */
    public static final String TOKEN_ENV = "FLOTILLA_CLUSTER_TOKEN";

    /**
     * The command-line flags of {@code flotilla node} (and {@link NodeMain}) that give this config,
     * except the token, which goes in {@link #TOKEN_ENV} so that it does not show in process lists.
     */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>(List.of("--id", nodeId, "--cluster", clusterName, "--host", host, "--port", String.valueOf(port), "--data-port",
                String.valueOf(dataPort), "--threads", String.valueOf(threads), "--memory", String.valueOf(memoryLimit),
                "--shard-cache", shardCache.toString()));
        if (model != null) {
            args.add("--model");
            args.add(model.toString());
        }
        if (slowdown != 1) {
            args.add("--slowdown");
            args.add(String.valueOf(slowdown));
        }
        if (tlsKeyStore != null) {
            args.add("--tls-keystore");
            args.add(tlsKeyStore.toString());
        }
        if (dns != null) {
            args.add("--discovery");
            args.add(dns.toString());
        }
        if (!join.isEmpty()) {
            args.add("--join");
            args.add(String.join(",", join.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList()));
        }
        return args;
    }
}
