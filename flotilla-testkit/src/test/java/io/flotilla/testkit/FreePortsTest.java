package io.flotilla.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void portsAreDistinctAndCanBeBound() throws Exception {
        int[] ports = FreePorts.loopback(3);
        assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(3);
        try (ServerSocket socket = new ServerSocket(ports[0], 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(ports[0]);
        }
        assertThat(FreePorts.loopback()).isPositive();
        assertThatThrownBy(() -> FreePorts.loopback(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
