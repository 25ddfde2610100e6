package io.flotilla.node;

import io.flotilla.transport.Connection;
import io.flotilla.transport.Transport;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.MessageType;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireFormatException;
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
 * through the group as encoded frames after a HELLO that states the protocol version.
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

    /**
     * A control message as the bytes of two frames: a HELLO that states this build's protocol version
     * (node id and cluster left empty: the group has authenticated and named the sender), then the message.
     */
    public static byte[] encode(Message message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            WireCodec.encode(new Message.Hello(WireProtocol.VERSION, "", "")).writeTo(out);
            WireCodec.encode(message).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The control message member {@code from} sent in {@code bytes} (checksums verified).
     *
     * @throws WireFormatException with {@link ErrorCode#VERSION_MISMATCH} when the sender speaks another
     *                             protocol version (both named), or another code when the bytes are malformed
     */
    public static Message decode(String from, byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        Frame header = Frame.readFrom(in, WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES);
        if (header.type() != MessageType.HELLO) { // versions up to 4 sent the bare message
            throw new WireFormatException(ErrorCode.VERSION_MISMATCH, "member " + from + " sent a " + header.type()
                    + " without a version header: it speaks protocol version 4 or older, this node speaks "
                    + WireProtocol.VERSION + " (upgrade every node of a cluster together)");
        }
        int version = ((Message.Hello) WireCodec.decode(header)).protocolVersion();
        if (version != WireProtocol.VERSION) {
            throw new WireFormatException(ErrorCode.VERSION_MISMATCH, "member " + from + " speaks protocol version "
                    + version + ", this node speaks " + WireProtocol.VERSION + " (upgrade every node of a cluster together)");
        }
        Message message = WireCodec.decode(Frame.readFrom(in, WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES));
        if (in.available() > 0) {
            throw new WireFormatException(ErrorCode.PROTOCOL_VIOLATION, "control message " + message.type() + " from "
                    + from + ": " + in.available() + " bytes left over after it");
        }
        return message;
    }
}
