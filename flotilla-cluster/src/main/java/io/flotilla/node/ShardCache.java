package io.flotilla.node;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.transport.Connection;
import io.flotilla.transport.Transport;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shards a node without its own copy of the model received from peers, one file per model
 * version under a cache folder ({@code NODE-sha256-VERSION.gguf}). Such a file has the layout of
 * the peer's GGUF (same header, same offsets) but holds only the tensors of the stages this node was
 * assigned; the rest are holes of a sparse file, never read.
 *
 * <p>{@link #open} keeps the cached file when every tensor of an assignment has its announced
 * content hash; otherwise it writes a new file next to it ({@code *.part}): the header from a peer,
 * the tensors it already has copied over, the others streamed from the peers in
 * {@link ShardServer#CHUNK_BYTES} frames straight to disk, each tensor's SHA-256 computed on the
 * way. A tensor whose hash differs from the announced one, a truncated stream or an error answer
 * refuses that peer and the next one is asked. The finished file replaces the cached one atomically
 * and is checked once more before it is used.
 */
public final class ShardCache {
    private static final Logger LOG = LoggerFactory.getLogger(ShardCache.class);
    /** Bytes asked for in one SHARD_REQUEST (answered by several chunks). */
    static final int REQUEST_BYTES = 64 << 20;

    private final Path dir;
    private final String nodeId;
    private final Transport transport;
    private final int requestBytes;
    private long nextRequest = 1;

    /** A checked shard file and its hashes (those of the assigned tensors already computed). */
    public record Shard(GgufFile file, TensorHashes hashes) {
    }

    public ShardCache(Path dir, String nodeId, Transport transport) {
        this(dir, nodeId, transport, REQUEST_BYTES);
    }

    ShardCache(Path dir, String nodeId, Transport transport, int requestBytes) {
        this.dir = dir;
        this.nodeId = nodeId;
        this.transport = transport;
        this.requestBytes = requestBytes;
    }

    /**
     * Where the shard of {@code modelVersion} is kept.
     *
     * @throws IllegalArgumentException when the version is not {@code sha256:} and hex digits (it
     *                                  comes from the wire and names a file)
     */
    public Path path(String modelVersion) {
        if (!modelVersion.matches("sha256:[0-9a-f]{1,64}")) {
            throw new IllegalArgumentException("model version '" + modelVersion + "' is not sha256: and hex digits");
        }
        return dir.resolve(nodeId + "-" + modelVersion.replace(':', '-') + ".gguf");
    }

    /**
     * A file holding every tensor of {@code a} with its announced hash: the cached one, or one built
     * from the cache and {@code peers} (members with model version {@code a.modelVersion()}, asked in order).
     *
     * @throws ShardFetchException when some tensor could be had from no peer, naming each peer's refusal
     */
    public synchronized Shard open(Message.StageAssignment a, List<InetSocketAddress> peers) throws IOException {
        Files.createDirectories(dir);
        Path target = path(a.modelVersion());
        Shard cached = openCached(target);
        List<String> stale = stale(cached, a);
        if (cached != null && stale.isEmpty()) {
            return cached;
        }
        LOG.info("node {}: fetching {} of {} tensors of model version {} from {}", nodeId, stale.size(),
                a.tensorNames().length, a.modelVersion(), peers);
        try {
            Path part = build(a, cached, stale, peers);
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            if (cached != null) {
                cached.file().close();
            }
        }
        GgufFile written = GgufFile.open(target);
        Shard fresh = new Shard(written, new TensorHashes(written));
        List<String> wrong = stale(fresh, a);
        if (!wrong.isEmpty()) {
            fresh.file().close();
            throw new ShardFetchException(target + ": tensors " + wrong + " do not have their announced hashes"
                    + " after writing");
        }
        return fresh;
    }

    private Shard openCached(Path target) {
        if (!Files.exists(target)) {
            return null;
        }
        try {
            GgufFile file = GgufFile.open(target);
            return new Shard(file, new TensorHashes(file));
        } catch (IOException | RuntimeException e) {
            LOG.warn("node {}: ignoring the unreadable cached shard {}: {}", nodeId, target, e.getMessage());
            return null;
        }
    }

    /** The tensors of {@code a} that {@code shard} lacks or holds with another hash (all without a shard). */
    private static List<String> stale(Shard shard, Message.StageAssignment a) {
        List<String> stale = new ArrayList<>();
        for (int i = 0; i < a.tensorNames().length; i++) {
            String name = a.tensorNames()[i];
            if (shard == null || !shard.file().hasTensor(name) || !shard.hashes().hash(name).equals(a.tensorHashes()[i])) {
                stale.add(name);
            }
        }
        return stale;
    }

    /** Writes the new shard file to a {@code .part} file: header, kept tensors, fetched tensors. */
    private Path build(Message.StageAssignment a, Shard cached, List<String> stale, List<InetSocketAddress> peers)
            throws IOException {
        Path part = Files.createTempFile(dir, nodeId + "-", ".part");
        boolean done = false;
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.WRITE);
             Peers source = new Peers(peers, a.modelVersion())) {
            try (GgufFile layout = source.withPeer("the file header", (c, peer) -> header(c, a.modelVersion(), out, part))) {
                for (int i = 0; i < a.tensorNames().length; i++) {
                    String name = a.tensorNames()[i];
                    GgufTensorInfo info = layout.tensor(name);
                    if (info == null) {
                        throw new ShardFetchException("the header of model version " + a.modelVersion() + " from "
                                + source.current() + " has no tensor '" + name + "'");
                    }
                    long at = layout.dataOffset() + info.offset();
                    if (stale.contains(name)) {
                        String expected = a.tensorHashes()[i];
                        source.withPeer("tensor '" + name + "'", (c, peer) ->
                                fetchTensor(c, a.modelVersion(), name, at, info.byteSize(), expected, out));
                    } else {
                        copy(cached.file().data(cached.file().requireTensor(name)), out, at);
                    }
                }
            }
            out.force(true);
            done = true;
            return part;
        } finally {
            if (!done) {
                Files.deleteIfExists(part);
            }
        }
    }

    /** Fetches the file size and header from the peer, writes them, and returns the header's view of {@code part}. */
    private GgufFile header(Connection c, String version, FileChannel out, Path part) throws IOException {
        long id = nextRequest++;
        c.send(new Message.ShardRequest(id, version, ShardServer.FILE, 0, 0));
        if (!(c.receive() instanceof Message.ShardChunk size) || size.requestId() != id
                || size.offset() <= 0 || size.totalLength() < size.offset()) {
            throw new ShardFetchException("no valid answer to the request for the file size");
        }
        out.truncate(0);
        receive(c, version, ShardServer.HEADER, 0, size.offset(), out, null);
        out.write(ByteBuffer.allocate(1), size.totalLength() - 1); // sparse up to the file size
        return GgufFile.open(part);
    }

    /** Streams one tensor to {@code out} at {@code at} and checks its content hash. */
    private Void fetchTensor(Connection c, String version, String name, long at, long bytes, String expected,
                             FileChannel out) throws IOException {
        MessageDigest digest = sha256();
        receive(c, version, name, at, bytes, out, digest);
        String got = HexFormat.of().formatHex(digest.digest());
        if (!got.equals(expected)) {
            throw new ShardFetchException("tensor '" + name + "' of model version " + version + " arrived with hash "
                    + got + " but the coordinator announced " + expected);
        }
        return null;
    }

    /** Requests bytes {@code [0, bytes)} of {@code name} and writes the chunks at {@code at} in {@code out}. */
    private void receive(Connection c, String version, String name, long at, long bytes, FileChannel out,
                         MessageDigest digest) throws IOException {
        long position = 0;
        while (position < bytes) {
            int length = (int) Math.min(requestBytes, bytes - position);
            long id = nextRequest++;
            c.send(new Message.ShardRequest(id, version, name, position, length));
            for (long end = position + length; position < end; ) {
                Message m = c.receive();
                if (m instanceof Message.Error e) {
                    throw new ShardFetchException("asked for '" + name + "', the peer answered " + e.code() + ": "
                            + e.message());
                }
                if (!(m instanceof Message.ShardChunk chunk) || chunk.requestId() != id
                        || !chunk.tensorName().equals(name) || chunk.offset() != position
                        || chunk.totalLength() != bytes || chunk.data().length == 0
                        || position + chunk.data().length > end) {
                    throw new ShardFetchException("asked for bytes [" + position + ", " + end + ") of '" + name
                            + "' (" + bytes + " bytes), got " + describe(m));
                }
                write(out, chunk.data(), at + position);
                if (digest != null) {
                    digest.update(chunk.data());
                }
                position += chunk.data().length;
            }
        }
    }

    private static String describe(Message m) {
        return m instanceof Message.ShardChunk c ? "a chunk of '" + c.tensorName() + "' at " + c.offset() + " of "
                + c.totalLength() + " bytes with " + c.data().length + " bytes (request " + c.requestId() + ")"
                : m.type().toString();
    }

    private static void copy(MemorySegment data, FileChannel out, long at) throws IOException {
        byte[] chunk = new byte[(int) Math.min(ShardServer.CHUNK_BYTES, Math.max(1, data.byteSize()))];
        for (long offset = 0; offset < data.byteSize(); offset += chunk.length) {
            int length = (int) Math.min(chunk.length, data.byteSize() - offset);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, chunk, 0, length);
            write(out, ByteBuffer.wrap(chunk, 0, length), at + offset);
        }
    }

    private static void write(FileChannel out, byte[] data, long at) throws IOException {
        write(out, ByteBuffer.wrap(data), at);
    }

    private static void write(FileChannel out, ByteBuffer buffer, long at) throws IOException {
        long position = at;
        while (buffer.hasRemaining()) {
            position += out.write(buffer, position);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** One step of a fetch, run against a peer's connection. */
    @FunctionalInterface
    private interface PeerStep<T> {
        T run(Connection connection, InetSocketAddress peer) throws IOException;
    }

    /** The peers in order: the current one is asked until it fails once, then the next. */
    private final class Peers implements AutoCloseable {
        private final List<InetSocketAddress> addresses;
        private final String version;
        private final List<String> refusals = new ArrayList<>();
        private int current;
        private Connection connection;

        Peers(List<InetSocketAddress> addresses, String version) {
            this.addresses = List.copyOf(addresses);
            this.version = version;
        }

        InetSocketAddress current() {
            return current < addresses.size() ? addresses.get(current) : null;
        }

        <T> T withPeer(String what, PeerStep<T> step) throws ShardFetchException {
            while (current < addresses.size()) {
                InetSocketAddress peer = addresses.get(current);
                try {
                    if (connection == null) {
                        connection = transport.connect(peer);
                    }
                    return step.run(connection, peer);
                } catch (IOException | RuntimeException e) {
                    refusals.add(peer + ": " + e.getMessage());
                    LOG.warn("node {}: refused {} from {}: {}", nodeId, what, peer, e.getMessage());
                    closeConnection();
                    current++;
                }
            }
            throw new ShardFetchException("node " + nodeId + " could not get " + what + " of model version " + version
                    + " from any of " + addresses.size() + " peers" + (refusals.isEmpty() ? "" : ": " + refusals));
        }

        private void closeConnection() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.send(new Message.Close("shard fetched"));
                } catch (IOException e) {
                    LOG.debug("node {}: shard peer closed first: {}", nodeId, e.getMessage());
                }
            }
            closeConnection();
        }
    }
}
