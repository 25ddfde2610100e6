package io.flotilla.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Function;

/**
 * Wraps a transport so that every frame this node sends waits as if it crossed a slower, longer
 * link: the link is busy {@code bytes / bandwidth} per frame, and each frame arrives
 * {@code oneWayLatency} after its last byte left. Wrap every node's transport to emulate both
 * directions. The profile is chosen per peer node id, so one machine can stand for a LAN, a WAN,
 * or a mix.
 */
public final class EmulatedLinkTransport implements Transport {
    private final Transport inner;
    private final Function<String, LinkProfile> profileForPeer;

    public EmulatedLinkTransport(Transport inner, Function<String, LinkProfile> profileForPeer) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.profileForPeer = Objects.requireNonNull(profileForPeer, "profileForPeer");
    }

    /** The same profile on every link. */
    public EmulatedLinkTransport(Transport inner, LinkProfile profile) {
        this(inner, peer -> profile);
    }

    @Override
    public void start() throws IOException {
        inner.start();
    }

    @Override
    public InetSocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public Connection connect(InetSocketAddress peer) throws IOException {
        return wrap(inner.connect(peer));
    }

    @Override
    public Connection accept() throws IOException {
        return wrap(inner.accept());
    }

    private Connection wrap(Connection connection) {
        return new EmulatedLinkConnection(connection, profileForPeer.apply(connection.peer().nodeId()));
    }

    @Override
    public void close() {
        inner.close();
    }
}
