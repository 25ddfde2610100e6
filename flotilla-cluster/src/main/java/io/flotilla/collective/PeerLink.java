package io.flotilla.collective;

import io.flotilla.transport.Connection;
import io.flotilla.wire.Frame;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One connection of a ring: a reader thread drains it into a queue (so the peer's sends never
 * block on this worker's compute, and a closed link is seen at once), and a sender thread writes
 * frames in order (so a peer that stops reading cannot block the caller past its deadline).
 */
final class PeerLink implements AutoCloseable {

    /** What the reader hands over: a frame, or why the link ended. */
    private record Item(Frame frame, IOException failure) {}

    private final Connection connection;
    private final String name;
    private final BlockingQueue<Item> inbox = new LinkedBlockingQueue<>();
    private final ExecutorService sender;
    private volatile boolean closed;

    PeerLink(Connection connection, String name) {
        this.connection = connection;
        this.name = name;
        this.sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("flotilla-send-" + name).factory());
        Thread.ofVirtual().name("flotilla-recv-" + name).start(this::readLoop);
    }

    String name() {
        return name;
    }

    private void readLoop() {
        while (true) {
            try {
                inbox.add(new Item(connection.receiveFrame(), null));
            } catch (IOException e) {
                inbox.add(new Item(null, e));
                return;
            } catch (RuntimeException e) {
                inbox.add(new Item(null, new IOException(name + ": " + e, e)));
                return;
            }
        }
    }

    /** Queues {@code frame} for sending; the future completes when it is written. */
    CompletableFuture<Void> send(Frame frame) {
        return CompletableFuture.runAsync(() -> {
            try {
                connection.send(frame);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, sender);
    }

    /**
     * The next frame, waiting until {@code deadlineNanos} ({@link System#nanoTime()} time).
     *
     * @throws CollectiveException when the link ended or the deadline passed
     */
    Frame receive(long deadlineNanos, String operation) throws CollectiveException {
        Item item;
        try {
            item = inbox.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(operation + ": interrupted while waiting for " + name, false, e);
        }
        if (item == null) {
            throw new CollectiveException(operation + ": " + name + " sent nothing before the deadline", true, null);
        }
        if (item.failure() != null) {
            inbox.add(item); // later calls fail the same way
            throw new CollectiveException(operation + ": link to " + name + " failed: " + item.failure().getMessage(),
                    false, item.failure());
        }
        return item.frame();
    }

    /** Fails at once if the link already ended (used on the send-only side of the ring). */
    void checkAlive(String operation) throws CollectiveException {
        Item item = inbox.peek();
        if (item != null && item.failure() != null) {
            throw new CollectiveException(operation + ": link to " + name + " failed: " + item.failure().getMessage(),
                    false, item.failure());
        }
        if (item != null) {
            throw new CollectiveException(operation + ": " + name + " sent an unexpected "
                    + item.frame().type() + " frame on a send-only link", false, null);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        connection.close();
        sender.shutdownNow();
    }
}
