package io.flotilla.transport;

import io.flotilla.wire.WireProtocol;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Settings of one node's transport.
 *
 * @param nodeId           this node's id, sent in HELLO
 * @param clusterName      peers of another cluster are refused
 * @param token            the shared secret proved in the handshake
 * @param bindAddress      where to listen (port 0 picks a free one)
 * @param tls              TLS context for both directions, or empty for plain TCP
 * @param maxPayloadBytes  larger frames from a peer disconnect it
 * @param handshakeTimeout a peer that does not finish the handshake in time is dropped
 */
public record TransportConfig(String nodeId, String clusterName, ClusterToken token, InetSocketAddress bindAddress,
                              Optional<SSLContext> tls, int maxPayloadBytes, Duration handshakeTimeout) {
    public TransportConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, got " + maxPayloadBytes);
        }
    }

    /** Plain TCP on 127.0.0.1, a free port, 64 MiB frames, 10 s handshake. */
    public static TransportConfig loopback(String nodeId, String clusterName, ClusterToken token) {
        return new TransportConfig(nodeId, clusterName, token, new InetSocketAddress("127.0.0.1", 0),
                Optional.empty(), WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(10));
    }

    public TransportConfig withTls(SSLContext context) {
        return new TransportConfig(nodeId, clusterName, token, bindAddress, Optional.of(context), maxPayloadBytes,
                handshakeTimeout);
    }

    public TransportConfig withMaxPayloadBytes(int bytes) {
        return new TransportConfig(nodeId, clusterName, token, bindAddress, tls, bytes, handshakeTimeout);
    }
}
