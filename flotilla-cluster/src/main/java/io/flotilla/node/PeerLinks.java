package io.flotilla.node;

import io.flotilla.placement.LinkProbe;
import io.flotilla.placement.LinkStats;
import io.flotilla.transport.Connection;
import io.flotilla.wire.Message;
import java.io.IOException;

/**
 * Node-to-node link probes: a node measures its data connection to each peer with {@link LinkProbe}
 * (the peer's data endpoint answers a connection that opens with a PING) and reports the result.
 */
public final class PeerLinks {
    /** Pings for the round-trip time (the median counts). */
    public static final int PINGS = 5;
    /** Chunks of {@link #CHUNK_BYTES} for the bandwidth: 1 MiB in all. */
    public static final int CHUNKS = 16;
    public static final int CHUNK_BYTES = 64 << 10;

    private PeerLinks() {
    }

    /** Probes {@code connection} (opened to {@code to}'s data endpoint) and closes the probe politely. */
    public static Message.LinkReport measure(Connection connection, String from, String to) throws IOException {
        LinkStats stats = LinkProbe.measure(connection, PINGS, CHUNKS, CHUNK_BYTES);
        connection.send(new Message.Close("probe done"));
        return new Message.LinkReport(from, to, stats.rttSeconds(), stats.bytesPerSecond());
    }
}
