package io.flotilla.placement;

import io.flotilla.transport.Connection;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.util.Arrays;

/**
 * Measures RTT and bandwidth to a peer over an open {@link Connection}; the peer runs
 * {@link #answer} on its end. RTT is the median of pings; bandwidth is a burst of chunks followed
 * by a ping, whose reply can only come back after every chunk arrived (frames stay in order).
 */
public final class LinkProbe {
    /** Tensor name of probe chunks, so the answering side can tell them from real shards. */
    public static final String PROBE_TENSOR = "flotilla.probe";

    private LinkProbe() {
    }

    public static LinkStats measure(Connection connection, int pings, int chunks, int chunkBytes) throws IOException {
        if (pings < 1 || chunks < 1 || chunkBytes < 1) {
            throw new IllegalArgumentException("need >= 1 ping, chunk and byte, got " + pings + ", " + chunks + ", "
                    + chunkBytes);
        }
        long[] rtts = new long[pings];
        for (int i = 0; i < pings; i++) {
            rtts[i] = ping(connection, i);
        }
        Arrays.sort(rtts);
        long rtt = rtts[pings / 2];

        byte[] data = new byte[chunkBytes];
        long start = System.nanoTime();
        for (int i = 0; i < chunks; i++) {
            connection.send(new Message.ShardChunk(-1, PROBE_TENSOR, (long) i * chunkBytes,
                    (long) chunks * chunkBytes, data));
        }
        ping(connection, pings);
        long transfer = Math.max(1, System.nanoTime() - start - rtt);
        return new LinkStats(rtt / 1e9, (double) chunks * chunkBytes / (transfer / 1e9));
    }

    private static long ping(Connection connection, long nonce) throws IOException {
        long start = System.nanoTime();
        connection.send(new Message.Ping(nonce, start));
        Message reply = connection.receive();
        if (!(reply instanceof Message.Pong pong) || pong.nonce() != nonce) {
            throw new IOException("link probe to " + connection.peer().nodeId() + ": expected PONG " + nonce
                    + ", got " + reply);
        }
        return System.nanoTime() - start;
    }

    /** Serves a probing peer until it sends CLOSE: answers pings, drops probe chunks. */
    public static void answer(Connection connection) throws IOException {
        while (true) {
            Message message = connection.receive();
            switch (message) {
                case Message.Ping ping -> connection.send(new Message.Pong(ping.nonce(), ping.sentNanos()));
                case Message.ShardChunk chunk when chunk.tensorName().equals(PROBE_TENSOR) -> {
                    // only its arrival matters
                }
                case Message.Close close -> {
                    return;
                }
                default -> throw new IOException("link probe from " + connection.peer().nodeId()
                        + ": unexpected " + message.type());
            }
        }
    }
}
