package io.flotilla.pipeline;

import io.flotilla.placement.PlacementObjective;
import io.flotilla.transport.ClusterToken;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the coordinator runs.
 *
 * @param port          its JGroups membership port (nodes list it in {@code --join})
 * @param expectedNodes the first plan waits until this many nodes reported
 * @param contextLength positions of each sequence's state on every stage (the engine's max model length)
 * @param maxSequences  sequences whose KV the placement reserves memory for
 * @param stageTimeout  how long a node may take to load and confirm its range
 * @param tlsKeyStore   PKCS#12 store for TLS on data connections, or null for plain TCP
 */
public record CoordinatorConfig(String nodeId, String clusterName, ClusterToken token, String host, int port,
                                Path model, PlacementObjective objective, int expectedNodes, int contextLength,
                                int maxSequences, Duration stageTimeout, Path tlsKeyStore) {
    public CoordinatorConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(stageTimeout, "stageTimeout");
        if (expectedNodes < 1 || contextLength < 1 || maxSequences < 1) {
            throw new IllegalArgumentException("expected nodes, context length and max sequences must be >= 1, got "
                    + expectedNodes + ", " + contextLength + ", " + maxSequences);
        }
    }

    /** Plain TCP on data connections. */
    public CoordinatorConfig(String nodeId, String clusterName, ClusterToken token, String host, int port, Path model,
                             PlacementObjective objective, int expectedNodes, int contextLength, int maxSequences,
                             Duration stageTimeout) {
        this(nodeId, clusterName, token, host, port, model, objective, expectedNodes, contextLength, maxSequences,
                stageTimeout, null);
    }

    /** The membership address nodes pass to {@code --join}. */
    public List<InetSocketAddress> joinAddress() {
        return List.of(new InetSocketAddress(host, port));
    }
}
