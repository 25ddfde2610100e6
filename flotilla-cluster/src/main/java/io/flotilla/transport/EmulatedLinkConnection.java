package io.flotilla.transport;

import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delays outgoing frames per a {@link LinkProfile}. {@link #send} queues the frame with its
 * delivery time and returns, as a socket with a large buffer would; a sender that runs more than
 * {@link #MAX_BACKLOG_NANOS} ahead of the emulated link waits, as it would on a full buffer.
 */
final class EmulatedLinkConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatedLinkConnection.class);
    static final long MAX_BACKLOG_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private record Pending(long deliverAtNanos, Frame frame) {
    }

    private static final Pending CLOSE = new Pending(0, null);

    private final Connection inner;
    private final LinkProfile profile;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread courier;
    private long linkFreeAtNanos = System.nanoTime();
    private volatile IOException failure;

    EmulatedLinkConnection(Connection inner, LinkProfile profile) {
        this.inner = inner;
        this.profile = profile;
        this.courier = Thread.ofVirtual().name("flotilla-link-" + inner.peer().nodeId()).start(this::deliver);
    }

    @Override
    public Message.Hello peer() {
        return inner.peer();
    }

    @Override
    public void send(Frame frame) throws IOException {
        IOException failed = failure;
        if (failed != null) {
            throw new IOException("emulated link to " + peer().nodeId() + " failed", failed);
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(now, linkFreeAtNanos);
            linkFreeAtNanos = start + profile.transmitNanos(frame.wireBytes());
            queue.add(new Pending(linkFreeAtNanos + profile.oneWayLatency().toNanos(), frame));
            waitNanos = linkFreeAtNanos - now - MAX_BACKLOG_NANOS;
        }
        if (waitNanos > 0) {
            LockSupport.parkNanos(waitNanos);
        }
    }

    private void deliver() {
        try {
            for (Pending next = queue.take(); next != CLOSE; next = queue.take()) {
                for (long wait; (wait = next.deliverAtNanos() - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(wait);
                }
                inner.send(next.frame());
            }
        } catch (IOException e) {
            failure = e;
            LOG.debug("emulated link to {} failed", peer().nodeId(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inner.close();
    }

    @Override
    public Frame receiveFrame() throws IOException {
        return inner.receiveFrame();
    }

    @Override
    public Message receive() throws IOException {
        return inner.receive();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen() && failure == null;
    }

    /** Delivers what was already sent (as a socket would), then closes. */
    @Override
    public void close() {
        queue.add(CLOSE);
        try {
            if (!courier.join(java.time.Duration.ofSeconds(5))) {
                courier.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            courier.interrupt();
        }
        inner.close();
    }
}
