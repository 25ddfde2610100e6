package io.flotilla.collective;

import io.flotilla.transport.Connection;
import io.flotilla.transport.Transport;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireFormatException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ring collectives among K workers: worker {@code r} sends to {@code r+1} and receives from
 * {@code r-1} (mod K). An all-reduce of N floats sends {@code 2(K-1)/K · N} values per worker:
 * K-1 reduce-scatter hops (partial sums) and K-1 all-gather hops (the owners' final chunks).
 * See the package documentation for failure handling and determinism.
 */
public final class RingCollective implements Collective {
    private static final Logger LOG = LoggerFactory.getLogger(RingCollective.class);
    private static final long LIVENESS_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final String HELLO = "ring-hello";

    private final int rank;
    private final int size;
    private final CollectiveConfig config;
    private final PeerLink right;
    private final PeerLink left;
    private float[] scratch = new float[0];
    private long operations;
    private long payloadBytes;
    private long wireBytes;
    private static final long GOODBYE_MILLIS = 2_000;
    private volatile boolean closed;
    private volatile boolean failed;

    private RingCollective(int rank, int size, CollectiveConfig config, PeerLink right, PeerLink left) {
        this.rank = rank;
        this.size = size;
        this.config = config;
        this.right = right;
        this.left = left;
    }

    /**
     * Forms the ring: connects to worker {@code rank+1}, accepts worker {@code rank-1} on
     * {@code transport} (started, and accepting only this ring's connections), and checks the
     * neighbour's rank. Every worker calls this with the same {@code addresses}, in rank order.
     */
    public static RingCollective join(Transport transport, int rank, List<InetSocketAddress> addresses,
                                      CollectiveConfig config) throws IOException {
        int k = addresses.size();
        if (rank < 0 || rank >= k) {
            throw new IllegalArgumentException("rank " + rank + " outside a group of " + k);
        }
        if (k == 1) {
            return new RingCollective(0, 1, config, null, null);
        }
        long deadline = System.nanoTime() + config.deadline().toNanos();
        int next = (rank + 1) % k;
        int previous = (rank + k - 1) % k;
        PeerLink right = null;
        try {
            right = new PeerLink(connect(transport, addresses.get(next), deadline, rank, next), "worker " + next);
            RingCollective ring = new RingCollective(rank, k, config, right,
                    new PeerLink(accept(transport, deadline, rank, previous), "worker " + previous));
            ring.greet(deadline);
            return ring;
        } catch (IOException | RuntimeException e) {
            if (right != null) {
                right.close();
            }
            throw e;
        }
    }

    private static Connection connect(Transport transport, InetSocketAddress address, long deadline, int rank,
                                      int peer) throws IOException {
        while (true) {
            try {
                return transport.connect(address);
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw new CollectiveException("worker " + rank + " could not reach worker " + peer + " at "
                            + address + " before the deadline", true, e);
                }
                sleep(100);
            }
        }
    }

    private static Connection accept(Transport transport, long deadline, int rank, int peer) throws IOException {
        CompletableFuture<Connection> inbound = new CompletableFuture<>();
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try {
                inbound.complete(transport.accept());
            } catch (IOException | RuntimeException e) {
                inbound.completeExceptionally(e);
            }
        });
        try {
            return inbound.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            acceptor.interrupt();
            throw new CollectiveException("worker " + rank + ": worker " + peer + " did not connect before the deadline",
                    true, e);
        } catch (ExecutionException e) {
            throw new CollectiveException("worker " + rank + " could not accept worker " + peer + ": "
                    + e.getCause().getMessage(), false, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("worker " + rank + " interrupted while forming the ring", false, e);
        }
    }

    private void greet(long deadline) throws IOException {
        String op = "worker " + rank + " forming the ring";
        await(right.send(WireCodec.encode(new Message.ShardChunk(0, HELLO, rank, size, new byte[0]))), deadline, op);
        Message.ShardChunk hello = expect(left.receive(deadline, op), 0, HELLO, op);
        int previous = (rank + size - 1) % size;
        if (hello.offset() != previous || hello.totalLength() != size) {
            failed = true;
            close();
            throw new CollectiveException(op + ": expected worker " + previous + " of " + size + ", got worker "
                    + hello.offset() + " of " + hello.totalLength(), false, null);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(float[] data, ChunkCodec codec) throws IOException {
        if (size == 1) {
            return;
        }
        String op = "all-reduce #" + (operations + 1) + " on worker " + rank;
        long deadline = begin(op);
        if (scratch.length < data.length) {
            scratch = new float[data.length];
        }
        try {
            for (int from = 0; from < data.length; from += config.bucketFloats()) {
                reduceBucket(data, from, Math.min(data.length, from + config.bucketFloats()), codec, deadline, op);
            }
        } catch (IOException | RuntimeException e) {
            fail(op, e);
            throw e;
        }
        operations++;
    }

    private void reduceBucket(float[] data, int lo, int hi, ChunkCodec codec, long deadline, String op)
            throws IOException {
        long id = operations + 1;
        // reduce-scatter: after K-1 hops worker r holds the full sum of chunk r+1
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank - s, size);
            int recv = Math.floorMod(rank - s - 1, size);
            Future<Void> sent = send(id, "reduce-scatter", chunkStart(lo, hi, send),
                    codec.encode(data, chunkStart(lo, hi, send), chunkStart(lo, hi, send + 1)));
            int from = chunkStart(lo, hi, recv);
            int to = chunkStart(lo, hi, recv + 1);
            codec.decode(receive(id, "reduce-scatter", from, deadline, op), scratch, from, to);
            for (int i = from; i < to; i++) {
                data[i] += scratch[i];
            }
            await(sent, deadline, op);
        }
        // all-gather: the owner's encoded chunk travels unchanged, so every worker decodes the same bytes
        int owned = Math.floorMod(rank + 1, size);
        byte[] forward = codec.encode(data, chunkStart(lo, hi, owned), chunkStart(lo, hi, owned + 1));
        if (!(codec instanceof ChunkCodec.Fp32)) {
            codec.decode(forward, data, chunkStart(lo, hi, owned), chunkStart(lo, hi, owned + 1));
        }
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank + 1 - s, size);
            int recv = Math.floorMod(rank - s, size);
            Future<Void> sent = send(id, "all-gather", chunkStart(lo, hi, send), forward);
            int from = chunkStart(lo, hi, recv);
            forward = receive(id, "all-gather", from, deadline, op);
            codec.decode(forward, data, from, chunkStart(lo, hi, recv + 1));
            await(sent, deadline, op);
        }
    }

    private int chunkStart(int lo, int hi, int chunk) {
        return lo + (int) ((long) (hi - lo) * chunk / size);
    }

    @Override
    public byte[][] allGather(byte[] mine) throws IOException {
        byte[][] all = new byte[size][];
        all[rank] = mine;
        if (size == 1) {
            return all;
        }
        String op = "all-gather #" + (operations + 1) + " on worker " + rank;
        long deadline = begin(op);
        long id = operations + 1;
        try {
            for (int s = 0; s < size - 1; s++) {
                int send = Math.floorMod(rank - s, size);
                int recv = Math.floorMod(rank - s - 1, size);
                Future<Void> sent = send(id, "gather", send, all[send]);
                all[recv] = receive(id, "gather", recv, deadline, op);
                await(sent, deadline, op);
            }
        } catch (IOException | RuntimeException e) {
            fail(op, e);
            throw e;
        }
        operations++;
        return all;
    }

    private long begin(String op) throws CollectiveException {
        if (closed || failed) {
            throw new CollectiveException(op + ": the ring is closed after an earlier failure", false, null);
        }
        return System.nanoTime() + config.deadline().toNanos();
    }

    private Future<Void> send(long id, String tag, int offset, byte[] payload) {
        Frame frame = WireCodec.encode(new Message.ShardChunk(id, tag, offset, size, payload));
        payloadBytes += payload.length;
        wireBytes += frame.wireBytes();
        return right.send(frame);
    }

    /** The payload of the next frame from the left, which must be {@code tag} at {@code offset} of operation {@code id}. */
    private byte[] receive(long id, String tag, int offset, long deadline, String op) throws IOException {
        while (true) {
            long slice = Math.min(deadline, System.nanoTime() + LIVENESS_POLL_NANOS);
            try {
                Message.ShardChunk chunk = expect(left.receive(slice, op), id, tag, op);
                if (chunk.offset() != offset) {
                    throw new CollectiveException(op + ": " + left.name() + " sent " + tag + " offset "
                            + chunk.offset() + ", expected " + offset, false, null);
                }
                return chunk.data();
            } catch (CollectiveException e) {
                if (!e.timeout() || System.nanoTime() >= deadline) {
                    throw e;
                }
                right.checkAlive(op);
            }
        }
    }

    private Message.ShardChunk expect(Frame frame, long id, String tag, String op) throws CollectiveException {
        Message message;
        try {
            message = WireCodec.decode(frame);
        } catch (WireFormatException e) {
            throw new CollectiveException(op + ": malformed frame from " + left.name() + ": " + e.getMessage(), false, e);
        }
        if (!(message instanceof Message.ShardChunk chunk) || chunk.requestId() != id || !chunk.tensorName().equals(tag)) {
            throw new CollectiveException(op + ": " + left.name() + " sent " + describe(message) + ", expected "
                    + tag + " of operation " + id, false, null);
        }
        return chunk;
    }

    private static String describe(Message message) {
        return message instanceof Message.ShardChunk c
                ? c.tensorName() + " of operation " + c.requestId()
                : message.type().toString();
    }

    private static void await(Future<Void> sent, long deadline, String op) throws CollectiveException {
        try {
            sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CollectiveException(op + ": the send did not finish before the deadline", true, e);
        } catch (ExecutionException e) {
            throw new CollectiveException(op + ": send failed: " + e.getCause().getMessage(), false, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(op + ": interrupted", false, e);
        }
    }

    private void fail(String op, Exception e) {
        LOG.warn("{} failed, closing the ring: {}", op, e.getMessage());
        failed = true;
        close();
    }

    @Override
    public CollectiveStats stats() {
        return new CollectiveStats(operations, payloadBytes, wireBytes);
    }

    /**
     * Closes the links. After a clean run, first says goodbye to the right neighbour and waits
     * briefly for the left one's goodbye: a worker that closed while its left neighbour's last
     * write was still returning would make that write fail.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (right == null) {
            return;
        }
        if (!failed) {
            try {
                right.send(WireCodec.encode(new Message.Close("ring done"))).get(GOODBYE_MILLIS, TimeUnit.MILLISECONDS);
                left.receive(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GOODBYE_MILLIS), "closing");
            } catch (CollectiveException | ExecutionException | TimeoutException e) {
                LOG.debug("worker {}: no goodbye from a neighbour: {}", rank, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        right.close();
        left.close();
    }

    private static void sleep(long millis) throws CollectiveException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while forming the ring", false, e);
        }
    }

    @Override
    public String toString() {
        return "RingCollective[worker " + rank + " of " + size + "]";
    }
}
