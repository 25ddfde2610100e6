package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.Connection;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.Transport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards from peers over real loopback connections: streamed, checked, retried, cached. */
class ShardCacheTest {
    private static final ClusterToken TOKEN = ClusterToken.of("shard cache test token, long enough");
    private static final int CHUNK = 1000; // several chunks and requests per tensor

    @TempDir
    Path dir;
    private GgufFile model;
    private TensorHashes hashes;
    private final List<Transport> transports = new ArrayList<>();
    private final AtomicInteger requestsServed = new AtomicInteger();

    @BeforeEach
    void model() throws Exception {
        Path path = dir.resolve("model.gguf");
        SyntheticModel.write(new SyntheticSpec(SyntheticArch.LLAMA, 32, 3, 2, 1, 16, 64, 300, 64, 0, 0, 0, 0,
                10000f, GgmlType.F32, false, 5), path);
        model = GgufFile.open(path);
        hashes = new TensorHashes(model);
    }

    @AfterEach
    void close() {
        transports.forEach(Transport::close);
        model.close();
    }

    private Transport transport(String id) throws IOException {
        Transport transport = new TcpTransport(TransportConfig.loopback(id, "shards", TOKEN));
        transport.start();
        transports.add(transport);
        return transport;
    }

    /** A peer serving the model through {@code wrap} (which may tamper with what it sends). */
    private InetSocketAddress peer(String id, UnaryOperator<Connection> wrap) throws IOException {
        Transport transport = transport(id);
        ShardServer server = new ShardServer(model, hashes, CHUNK);
        DataLink.acceptEach(transport, id, connection -> {
            try (Connection c = wrap.apply(connection)) {
                Message first = c.receive();
                requestsServed.incrementAndGet();
                server.serve(c, (Message.ShardRequest) first);
            } catch (IOException e) {
                // the fetching side closed or gave up
            }
        });
        return transport.localAddress();
    }

    private Message.StageAssignment assignment(int first, int last) {
        List<String> names = hashes.stageTensors(first, last, 3);
        return new Message.StageAssignment(1, first, last, 64, "127.0.0.1", 1, hashes.modelVersion(),
                names.toArray(String[]::new), names.stream().map(hashes::hash).toArray(String[]::new));
    }

    private ShardCache cache() throws IOException {
        return new ShardCache(dir.resolve("cache"), "node-x", transport("node-x"), 3 * CHUNK);
    }

    private void assertHolds(ShardCache.Shard shard, Message.StageAssignment a) {
        for (int i = 0; i < a.tensorNames().length; i++) {
            assertThat(new TensorHashes(shard.file()).hash(a.tensorNames()[i])).as(a.tensorNames()[i])
                    .isEqualTo(a.tensorHashes()[i]);
        }
    }

    @Test
    void receivesJustTheAssignedTensorsAndKeepsThem() throws Exception {
        ShardCache cache = cache();
        Message.StageAssignment a = assignment(1, 3);
        try (GgufFile shard = cache.open(a, List.of(peer("good", c -> c))).file()) {
            assertHolds(new ShardCache.Shard(shard, null), a);
            assertThat(shard.fileSize()).isEqualTo(model.fileSize());
            assertThat(shard.metadata().keys()).isEqualTo(model.metadata().keys());
            // blk.0 was not asked for: a hole of zeros, not the model's bytes
            assertThat(new TensorHashes(shard).hash("blk.0.attn_q.weight"))
                    .isNotEqualTo(hashes.hash("blk.0.attn_q.weight"));
        }
        assertThat(Files.list(dir.resolve("cache")).map(p -> p.getFileName().toString()).toList())
                .containsExactly("node-x-" + hashes.modelVersion().replace(':', '-') + ".gguf");
        int served = requestsServed.get();
        try (GgufFile again = cache.open(a, List.of()).file()) { // no peer needed: the cache has it all
            assertHolds(new ShardCache.Shard(again, null), a);
        }
        assertThat(requestsServed.get()).isEqualTo(served);
    }

    @Test
    void tamperedTensorIsRefusedAndAskedFromTheNextPeer() throws Exception {
        UnaryOperator<Connection> flipOneByte = c -> new Tampering(c, m -> m instanceof Message.ShardChunk chunk
                && chunk.tensorName().equals("blk.2.ffn_up.weight") && chunk.offset() == 2 * CHUNK
                ? flipped(chunk) : m);
        Message.StageAssignment a = assignment(1, 3);
        assertThatThrownBy(() -> cache().open(a, List.of(peer("liar", flipOneByte))))
                .isInstanceOf(ShardFetchException.class)
                .hasMessageContaining("tensor 'blk.2.ffn_up.weight'")
                .hasMessageContaining("arrived with hash")
                .hasMessageContaining("announced " + hashes.hash("blk.2.ffn_up.weight"));
        assertThat(Files.list(dir.resolve("cache")).toList()).as("nothing half-written is left").isEmpty();
        try (GgufFile shard = cache().open(a, List.of(peer("liar2", flipOneByte), peer("good", c -> c))).file()) {
            assertHolds(new ShardCache.Shard(shard, null), a);
        }
    }

    @Test
    void truncatedTransferIsRetriedFromAnotherPeer() throws Exception {
        AtomicInteger chunks = new AtomicInteger();
        UnaryOperator<Connection> hangUpMidway = c -> new Tampering(c, m -> {
            if (m instanceof Message.ShardChunk && chunks.incrementAndGet() == 5) {
                c.close();
            }
            return m;
        });
        Message.StageAssignment a = assignment(0, 2);
        assertThatThrownBy(() -> cache().open(a, List.of(peer("flaky", hangUpMidway))))
                .isInstanceOf(ShardFetchException.class).hasMessageContaining("from any of 1 peers");
        chunks.set(0);
        try (GgufFile shard = cache().open(a, List.of(peer("flaky2", hangUpMidway), peer("good", c -> c))).file()) {
            assertHolds(new ShardCache.Shard(shard, null), a);
        }
    }

    @Test
    void corruptedCacheFileIsFetchedAgain() throws Exception {
        Message.StageAssignment a = assignment(0, 1);
        InetSocketAddress good = peer("good", c -> c);
        Path cached;
        try (GgufFile shard = cache().open(a, List.of(good)).file()) {
            cached = shard.path();
        }
        long at;
        try (GgufFile file = GgufFile.open(cached)) {
            at = file.dataOffset() + file.requireTensor("blk.0.attn_k.weight").offset() + 7;
        }
        try (RandomAccessFile raw = new RandomAccessFile(cached.toFile(), "rw")) {
            raw.seek(at);
            int b = raw.read();
            raw.seek(at);
            raw.write(b ^ 0x40);
        }
        int served = requestsServed.get();
        try (GgufFile shard = cache().open(a, List.of(good)).file()) {
            assertHolds(new ShardCache.Shard(shard, null), a);
        }
        assertThat(requestsServed.get()).as("connections to the peer").isEqualTo(served + 1);
    }

    @Test
    void aModelVersionThatIsNotAHashNamesNoFile() throws Exception {
        assertThatThrownBy(() -> cache().path("sha256:../../escape"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sha256:../../escape");
    }

    @Test
    void withoutPeersTheErrorSaysSo() throws Exception {
        assertThatThrownBy(() -> cache().open(assignment(0, 1), List.of()))
                .isInstanceOf(ShardFetchException.class)
                .hasMessageContaining("model version " + hashes.modelVersion() + " from any of 0 peers");
    }

    private static Message flipped(Message.ShardChunk chunk) {
        byte[] data = chunk.data().clone();
        data[3] ^= 1;
        return new Message.ShardChunk(chunk.requestId(), chunk.tensorName(), chunk.offset(), chunk.totalLength(), data);
    }

    /** A connection whose outgoing messages pass through {@code change}. */
    private record Tampering(Connection delegate, UnaryOperator<Message> change) implements Connection {
        @Override
        public Message.Hello peer() {
            return delegate.peer();
        }

        @Override
        public void send(Frame frame) throws IOException {
            delegate.send(frame);
        }

        @Override
        public void send(Message message) throws IOException {
            delegate.send(change.apply(message));
        }

        @Override
        public Frame receiveFrame() throws IOException {
            return delegate.receiveFrame();
        }

        @Override
        public Message receive() throws IOException {
            return delegate.receive();
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
