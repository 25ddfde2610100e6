package io.flotilla.node;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.membership.Membership;
import io.flotilla.membership.MembershipConfig;
import io.flotilla.membership.MembershipException;
import io.flotilla.membership.MembershipListener;
import io.flotilla.membership.MembershipView;
import io.flotilla.model.Model;
import io.flotilla.placement.LinkProbe;
import io.flotilla.placement.NodeProbe;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.Connection;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TlsKeyStore;
import io.flotilla.transport.Transport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage node: joins the group, reports what it measured and which model version its local GGUF
 * holds to the members (the coordinator among them), and serves the layer range the coordinator
 * assigns. Data arrives on authenticated connections of its {@link Transport}; each connection
 * first names the plan version it belongs to ({@link DataLink}) and batches of older plans are dropped.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final ExecutorService control = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
            .name("node-control").factory());
    private final Object lock = new Object();
    private GgufFile file;
    private Model model;
    private Compute compute;
    private TensorHashes hashes;
    private Message.NodeReport report;
    private Transport transport;
    private Membership membership;
    private StageRunner runner;       // guarded by lock
    private Connection next;          // guarded by lock
    private long planVersion;         // guarded by lock

    public NodeConfig config() {
        return config;
    }

    public Node(NodeConfig config) {
        this.config = config;
    }

    /** Opens the model, measures this machine, starts the data endpoint and joins the group. */
    public void start() throws IOException, MembershipException {
        file = GgufFile.open(config.model());
        compute = new Compute(config.threads());
        model = Model.load(file, compute);
        hashes = new TensorHashes(file);
        String version = hashes.modelVersion();
        transport = new TcpTransport(new TransportConfig(config.nodeId(), config.clusterName(), config.token(),
                new InetSocketAddress(config.host(), config.dataPort()), tls(config.tlsKeyStore(), config.token()),
                WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(10)));
        transport.start();
        DataLink.acceptEach(transport, "node-data", this::serve);
        long memory = NodeProbe.usableMemoryBytes();
        if (config.memoryLimit() > 0) {
            memory = Math.min(memory, config.memoryLimit());
        }
        report = new Message.NodeReport(config.nodeId(), ProcessHandle.current().pid(), config.host(),
                transport.localAddress().getPort(), version, config.threads(), memory,
                NodeProbe.memoryBytesPerSecond(32 << 20, 2) / config.slowdown(),
                NodeProbe.f32FlopsPerSecond(256, 1024, 10) * config.threads() / config.slowdown());
        LOG.info("node {}: model {} version {}, data on {} ({}), {}", config.nodeId(), config.model(), version,
                transport.localAddress(), config.tlsKeyStore() == null ? "plain TCP" : "TLS", report);
        membership = new Membership(new MembershipConfig(config.nodeId(), config.clusterName(), config.token(),
                config.host(), config.port(), config.join(), Duration.ofSeconds(2)), new Listener());
        membership.start();
    }

    private final class Listener implements MembershipListener {
        @Override
        public void viewChanged(MembershipView view) {
            // whoever runs the coordinator takes it (it need not be the view's first member when
            // nodes started before it); other nodes ignore reports
            for (String member : view.members()) {
                if (!member.equals(config.nodeId())) {
                    control.execute(() -> sendToCoordinator(member, report));
                }
            }
        }

        @Override
        public void received(String from, byte[] payload) {
            try {
                if (DataLink.decode(payload) instanceof Message.StageAssignment assignment) {
                    control.execute(() -> sendToCoordinator(from, assign(assignment)));
                }
            } catch (IOException e) {
                LOG.warn("node {}: malformed control message from {}: {}", config.nodeId(), from, e.getMessage());
            }
        }
    }

    private void sendToCoordinator(String coordinator, Message message) {
        try {
            membership.send(coordinator, DataLink.encode(message));
        } catch (MembershipException e) {
            LOG.warn("node {}: could not tell {} {}: {}", config.nodeId(), coordinator, message.type(), e.getMessage());
        }
    }

    /** Checks the model version and the range's tensor hashes, then serves the range. */
    private Message.StageReady assign(Message.StageAssignment a) {
        String mine = hashes.modelVersion();
        if (!mine.equals(a.modelVersion())) {
            return refuse(a, "coordinator serves model version " + a.modelVersion() + " but node " + config.nodeId()
                    + " has version " + mine + " (" + config.model() + ")");
        }
        for (int i = 0; i < a.tensorNames().length; i++) {
            String local = file.hasTensor(a.tensorNames()[i]) ? hashes.hash(a.tensorNames()[i]) : "(missing)";
            if (!local.equals(a.tensorHashes()[i])) {
                return refuse(a, "tensor " + a.tensorNames()[i] + " of model version " + a.modelVersion()
                        + " has hash " + a.tensorHashes()[i] + " but node " + config.nodeId() + " has " + local);
            }
        }
        synchronized (lock) {
            closeNext();
            runner = null;
            planVersion = a.planVersion();
            lock.notifyAll();
            try {
                runner = new StageRunner(config.nodeId(), model.stage(a.firstLayer(), a.lastLayer()),
                        model.config().dim(), model.config().vocabSize(), a.contextLength());
                next = transport.connect(new InetSocketAddress(a.nextHost(), a.nextPort()));
                next.send(DataLink.announce(a.planVersion(), config.nodeId()));
            } catch (IOException | RuntimeException e) {
                closeNext();
                runner = null;
                return refuse(a, "node " + config.nodeId() + " could not serve layers [" + a.firstLayer() + ", "
                        + a.lastLayer() + ") to " + a.nextHost() + ":" + a.nextPort() + ": " + e.getMessage());
            }
        }
        LOG.info("node {}: plan {} layers [{}, {}) -> {}:{}", config.nodeId(), a.planVersion(), a.firstLayer(),
                a.lastLayer(), a.nextHost(), a.nextPort());
        return new Message.StageReady(a.planVersion(), config.nodeId(), true, "");
    }

    private Message.StageReady refuse(Message.StageAssignment a, String reason) {
        LOG.warn("node {}: refused plan {}: {}", config.nodeId(), a.planVersion(), reason);
        return new Message.StageReady(a.planVersion(), config.nodeId(), false, reason);
    }

    private void closeNext() {
        if (next != null) {
            next.close();
            next = null;
        }
    }

    /** Runs every batch of one upstream connection, in order, while its plan is the current one. */
    private void serve(Connection upstream) {
        try (upstream) {
            Message first = upstream.receive();
            if (first instanceof Message.Ping ping) { // the coordinator measures this link
                upstream.send(new Message.Pong(ping.nonce(), ping.sentNanos()));
                LinkProbe.answer(upstream);
                return;
            }
            long version = DataLink.version(first);
            while (true) {
                Message in = upstream.receive();
                synchronized (lock) {
                    while (planVersion < version) {
                        lock.wait();
                    }
                    if (planVersion > version) {
                        LOG.debug("node {}: dropping link of plan {} (now {})", config.nodeId(), version, planVersion);
                        return;
                    }
                    if (runner != null && next != null) {
                        next.send(process(in));
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("node {}: upstream {} closed: {}", config.nodeId(), upstream.peer().nodeId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The TLS context of {@code store} (password from {@link TlsKeyStore#password}), or none. */
    public static Optional<javax.net.ssl.SSLContext> tls(Path store, ClusterToken token) throws IOException {
        return store == null ? Optional.empty() : Optional.of(TlsKeyStore.context(store, TlsKeyStore.password(token)));
    }

    /** Runs one batch; an emulated slow node then sleeps (slowdown - 1) times the compute time. */
    private Message process(Message in) throws InterruptedException {
        long start = System.nanoTime();
        Message out = runner.process(in);
        if (config.slowdown() > 1) {
            long extra = (long) ((System.nanoTime() - start) * (config.slowdown() - 1));
            Thread.sleep(java.time.Duration.ofNanos(extra));
        }
        return out;
    }

    /** The bound data endpoint. */
    public InetSocketAddress dataAddress() {
        return transport.localAddress();
    }

    @Override
    public void close() {
        control.shutdownNow();
        if (membership != null) {
            membership.close();
        }
        synchronized (lock) {
            closeNext();
        }
        if (transport != null) {
            transport.close();
        }
        if (compute != null) {
            compute.close();
        }
        if (file != null) {
            file.close();
        }
    }
}
