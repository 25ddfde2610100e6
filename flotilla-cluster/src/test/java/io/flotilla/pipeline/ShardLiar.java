package io.flotilla.pipeline;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.membership.Membership;
import io.flotilla.membership.MembershipConfig;
import io.flotilla.membership.MembershipException;
import io.flotilla.membership.MembershipListener;
import io.flotilla.membership.MembershipView;
import io.flotilla.node.DataLink;
import io.flotilla.node.ShardServer;
import io.flotilla.node.TensorHashes;
import io.flotilla.testkit.FreePorts;
import io.flotilla.transport.Connection;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.Transport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A member (in the test's JVM) that announces itself as a holder of the model and serves its
 * tensors with one byte of each flipped: the content hashes must expose it.
 */
final class ShardLiar implements AutoCloseable {
    private final String id;
    private final GgufFile real;
    private final GgufFile tampered;
    private final Transport transport;
    private Membership membership;

    ShardLiar(String id, ClusterFixture cluster, Path dir) throws IOException {
        this.id = id;
        real = GgufFile.open(cluster.model);
        Path copy = dir.resolve(id + "-tampered.gguf");
        Files.copy(cluster.model, copy);
        try (RandomAccessFile raw = new RandomAccessFile(copy.toFile(), "rw")) {
            for (GgufTensorInfo tensor : real.tensors()) {
                long at = real.dataOffset() + tensor.offset() + tensor.byteSize() / 2;
                raw.seek(at);
                int b = raw.read();
                raw.seek(at);
                raw.write(b ^ 0x10);
            }
        }
        tampered = GgufFile.open(copy);
        // answers requests for the real model version with the tampered bytes
        ShardServer server = new ShardServer(tampered, new TensorHashes(real));
        transport = new TcpTransport(TransportConfig.loopback(id, cluster.cluster, ClusterFixture.TOKEN));
        transport.start();
        DataLink.acceptEach(transport, id, connection -> {
            try (Connection c = connection) {
                if (c.receive() instanceof Message.ShardRequest request) {
                    server.serve(c, request);
                }
            } catch (IOException e) {
                // the fetching node gave up on us
            }
        });
    }

    /** Joins the group and tells every member it is a shard source (a report of no threads). */
    void start(ClusterFixture cluster) throws IOException, MembershipException {
        InetSocketAddress data = transport.localAddress();
        byte[] report = DataLink.encode(new Message.NodeReport(id, 1,
                data.getHostString(), data.getPort(), new TensorHashes(real).modelVersion(), 0, 0, 0, 0, 0, 0));
        membership = new Membership(new MembershipConfig(id, cluster.cluster, ClusterFixture.TOKEN, "127.0.0.1",
                FreePorts.loopback(), cluster.coordinator.config().joinAddress(), Duration.ofSeconds(2)),
                new MembershipListener() {
                    @Override
                    public void viewChanged(MembershipView view) {
                        for (String member : view.members()) {
                            if (!member.equals(id)) {
                                try {
                                    membership.send(member, report);
                                } catch (MembershipException e) {
                                    // that member left
                                }
                            }
                        }
                    }
                });
        membership.start();
    }

    @Override
    public void close() {
        if (membership != null) {
            membership.close();
        }
        transport.close();
        tampered.close();
        real.close();
    }
}
