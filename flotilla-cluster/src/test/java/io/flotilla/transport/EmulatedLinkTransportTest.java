package io.flotilla.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.wire.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounds are generous on purpose: the machine is shared, so only gross errors should fail. */
class EmulatedLinkTransportTest {
    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    private Connection[] link(LinkProfile profile) throws IOException {
        Transport server = new EmulatedLinkTransport(fixture.started(TransportFixture.config("server")), profile);
        Transport client = new EmulatedLinkTransport(fixture.started(TransportFixture.config("client")), profile);
        Connection outbound = fixture.closeLater(client.connect(server.localAddress()));
        Connection inbound = fixture.closeLater(server.accept());
        return new Connection[] {outbound, inbound};
    }

    @Test
    void pingPongTakesTwiceTheOneWayLatency() throws IOException {
        Connection[] link = link(new LinkProfile(Duration.ofMillis(25), Long.MAX_VALUE));
        long[] rtts = new long[9];
        for (int i = 0; i < rtts.length; i++) {
            long start = System.nanoTime();
            link[0].send(new Message.Ping(i, start));
            Message.Ping ping = (Message.Ping) link[1].receive();
            link[1].send(new Message.Pong(ping.nonce(), ping.sentNanos()));
            link[0].receive();
            rtts[i] = System.nanoTime() - start;
        }
        Arrays.sort(rtts);
        double medianMillis = rtts[rtts.length / 2] / 1e6;
        assertThat(medianMillis).isBetween(45.0, 50.0 + 400.0);
    }

    @Test
    void bandwidthCapStretchesABulkTransfer() throws IOException {
        long bytesPerSecond = 2_000_000;
        Connection[] link = link(new LinkProfile(Duration.ofMillis(5), bytesPerSecond));
        int chunks = 20;
        byte[] data = new byte[25_000];
        long start = System.nanoTime();
        for (int i = 0; i < chunks; i++) {
            link[0].send(new Message.ShardChunk(1, "t", (long) i * data.length, (long) chunks * data.length, data));
        }
        for (int i = 0; i < chunks; i++) {
            link[1].receive();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double ideal = chunks * (data.length + 60.0) / bytesPerSecond; // 0.25 s
        assertThat(seconds).isBetween(ideal * 0.9, ideal + 2.0);
    }

    @Test
    void unlimitedProfileAddsNothingMeasurable() throws IOException {
        Connection[] link = link(LinkProfile.UNLIMITED);
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            link[0].send(new Message.Ping(i, 0));
            link[1].receive();
        }
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(2.0);
    }

    @Test
    void transmitTimeFollowsTheCap() {
        assertThat(new LinkProfile(Duration.ZERO, 1_000_000).transmitNanos(1_000)).isEqualTo(1_000_000);
        assertThat(LinkProfile.UNLIMITED.transmitNanos(1 << 30)).isZero();
    }
}
