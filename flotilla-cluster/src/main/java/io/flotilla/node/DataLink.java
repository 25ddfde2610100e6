package io.flotilla.node;

import io.flotilla.transport.Connection;
import io.flotilla.transport.Transport;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireProtocol;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * Small conventions shared by nodes and the coordinator: a data connection opens with a
 * {@link Message.StageReady} naming the plan version it belongs to; control messages travel
 * through the group as encoded frames.
 */
public final class DataLink {
    private DataLink() {
    }

    /** The first message on a data connection of plan {@code planVersion}. */
    public static Message announce(long planVersion, String nodeId) {
        return new Message.StageReady(planVersion, nodeId, true, "link");
    }

    /** The plan version a data connection announced. */
    public static long version(Message first) throws IOException {
        if (first instanceof Message.StageReady ready && ready.reason().equals("link")) {
            return ready.planVersion();
        }
        throw new IOException("a data connection must open with its plan version, got " + first.type());
    }

    /**
     * Starts a virtual thread that hands every inbound connection of {@code transport} to
     * {@code serve} on a virtual thread of its own, until the transport closes.
     */
    public static void acceptEach(Transport transport, String name, Consumer<Connection> serve) {
        Thread.ofVirtual().name(name + "-accept").start(() -> {
            while (true) {
                Connection connection;
                try {
                    connection = transport.accept();
                } catch (IOException e) {
                    return; // closed
                }
                Thread.ofVirtual().name(name + "-" + connection.peer().nodeId()).start(() -> serve.accept(connection));
            }
        });
    }

    /** A control message as the bytes of one frame. */
    public static byte[] encode(Message message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            WireCodec.encode(message).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** The control message in {@code bytes} (one frame, checksum verified). */
    public static Message decode(byte[] bytes) throws IOException {
        return WireCodec.decode(Frame.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)),
                WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES));
    }
}
