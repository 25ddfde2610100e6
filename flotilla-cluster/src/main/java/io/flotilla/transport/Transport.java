package io.flotilla.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * How a node reaches its peers: authenticated, framed connections. {@link #start()} binds the
 * listening endpoint; {@link #accept()} hands out inbound connections that passed the handshake.
 */
public interface Transport extends AutoCloseable {

    /** Binds the local endpoint and starts accepting; does nothing if already started. */
    void start() throws IOException;

    /** The bound address (useful with port 0). */
    InetSocketAddress localAddress();

    /** Opens a connection and runs the handshake (HELLO, version check, token challenge). */
    Connection connect(InetSocketAddress peer) throws IOException;

    /** The next inbound connection that passed the handshake; blocks until one arrives. */
    Connection accept() throws IOException;

    @Override
    void close();
}
