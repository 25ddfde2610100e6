package io.flotilla.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.Connection;
import io.flotilla.transport.EmulatedLinkTransport;
import io.flotilla.transport.LinkProfile;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.Transport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.Message;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LinkProbeTest {
    private static final ClusterToken TOKEN = ClusterToken.of("probe test token, long enough");

    @Test
    void measuresAnEmulatedLinkWithinGenerousBounds() throws Exception {
        LinkProfile profile = new LinkProfile(Duration.ofMillis(10), 4_000_000);
        try (Transport server = new EmulatedLinkTransport(
                new TcpTransport(TransportConfig.loopback("far", "probe", TOKEN)), profile);
             Transport client = new EmulatedLinkTransport(
                     new TcpTransport(TransportConfig.loopback("near", "probe", TOKEN)), profile)) {
            server.start();
            client.start();
            CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> {
                try (Connection inbound = server.accept()) {
                    LinkProbe.answer(inbound);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            LinkStats stats;
            try (Connection outbound = client.connect(server.localAddress())) {
                stats = LinkProbe.measure(outbound, 5, 16, 64 << 10);
                outbound.send(new Message.Close("probe done"));
            }
            answering.get();
            assertThat(stats.rttSeconds()).isBetween(0.018, 0.5);
            assertThat(stats.bytesPerSecond()).isBetween(4e6 * 0.4, 4e6 * 1.5);
        }
    }
}
