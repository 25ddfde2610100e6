/**
 * Authenticated, framed connections between nodes.
 *
 * <pre>{@code
 * TransportConfig config = TransportConfig.loopback("node-a", "my-cluster", ClusterToken.of(secret));
 * try (Transport transport = new TcpTransport(config)) {     // .withTls(sslContext) for TLS
 *     transport.start();
 *     Connection peer = transport.connect(address);           // or transport.accept()
 *     peer.send(new Message.Activation(...));
 *     Message reply = peer.receive();
 * }
 * }</pre>
 *
 * <p>Every connection opens with HELLO (version and cluster checked) and a mutual challenge with
 * the cluster token (HMAC-SHA256 over both sides' fresh nonces; the token never crosses the
 * wire). A peer that breaks the protocol (bad CRC, oversized frame, unknown type, malformed
 * payload, wrong version, failed challenge) is sent a fatal ERROR with the reason, logged and
 * disconnected; its side gets a {@link io.flotilla.transport.PeerRejectedException} or
 * {@link io.flotilla.transport.AuthenticationException}. {@link io.flotilla.transport.EmulatedLinkTransport}
 * adds latency and a bandwidth cap per link for tests and benchmarks.
 */
package io.flotilla.transport;
