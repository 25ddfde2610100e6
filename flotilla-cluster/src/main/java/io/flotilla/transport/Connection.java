package io.flotilla.transport;

import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireCodec;
import java.io.IOException;

/**
 * An authenticated link to one peer. {@link #send} may be called from several threads;
 * {@link #receive} from one reader at a time. A protocol violation by the peer closes the
 * connection, logs the reason and throws.
 */
public interface Connection extends AutoCloseable {

    /** The HELLO the peer sent: its node id, cluster name and protocol version. */
    Message.Hello peer();

    void send(Frame frame) throws IOException;

    /**
     * The next frame from the peer.
     *
     * @throws java.io.EOFException when the peer closed the connection without a reason
     * @throws PeerRejectedException when the peer closed it with a reason
     * @throws io.flotilla.wire.WireFormatException when the peer broke the framing (and was disconnected)
     */
    Frame receiveFrame() throws IOException;

    default void send(Message message) throws IOException {
        send(WireCodec.encode(message));
    }

    /** The next message; a malformed payload disconnects the peer like a malformed frame. */
    Message receive() throws IOException;

    boolean isOpen();

    @Override
    void close();
}
