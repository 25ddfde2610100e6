package io.flotilla.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.wire.FloatFormat;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures (does not assert) the round trip of one 2048-float activation frame over loopback, with
 * and without TLS: encode, send, receive, decode, echo back. Logged at INFO.
 */
class TransportOverheadTest {
    private static final Logger LOG = LoggerFactory.getLogger(TransportOverheadTest.class);
    private static final int WARMUP = 300;
    private static final int ROUNDS = 1_000;

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    @Test
    void activationRoundTripOverLoopback() throws Exception {
        measure("plain TCP", Optional.empty());
        measure("TLS 1.3", Optional.of(TestTls.selfSignedContext()));
    }

    private void measure(String label, Optional<SSLContext> tls) throws IOException, InterruptedException {
        TcpTransport server = fixture.started("echo", tls);
        TcpTransport client = fixture.started("caller", tls);
        Connection outbound = fixture.closeLater(client.connect(server.localAddress()));
        Connection inbound = fixture.closeLater(server.accept());
        Thread echo = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; i < WARMUP + ROUNDS; i++) {
                    inbound.send(inbound.receive());
                }
            } catch (IOException e) {
                LOG.warn("echo stopped", e);
            }
        });
        float[] hidden = new float[2048];
        Arrays.fill(hidden, 0.5f);
        Message activation = new Message.Activation(1, 0, new int[] {0}, new int[] {0}, 2048, FloatFormat.F32, hidden);
        long[] nanos = new long[ROUNDS];
        for (int i = 0; i < WARMUP + ROUNDS; i++) {
            long start = System.nanoTime();
            outbound.send(activation);
            outbound.receive();
            if (i >= WARMUP) {
                nanos[i - WARMUP] = System.nanoTime() - start;
            }
        }
        echo.join();
        Arrays.sort(nanos);
        LOG.info("{}: 2048-float activation round trip over loopback: median {} µs, p90 {} µs, min {} µs ({} rounds)",
                label, nanos[ROUNDS / 2] / 1000, nanos[ROUNDS * 9 / 10] / 1000, nanos[0] / 1000, ROUNDS);
        assertThat(nanos[0]).isPositive();
    }
}
