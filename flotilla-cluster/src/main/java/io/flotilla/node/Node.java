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
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
    private final ExecutorService probes = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
            .name("node-probe").factory());
    private final java.util.Map<String, Message.LinkReport> peerLinks = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object lock = new Object();
    private GgufFile file;
    private Model model;
    private Compute compute;
    private TensorHashes hashes;      // of the local full copy; null without one
    private ShardServer shards;       // answers peers' SHARD_REQUESTs from the local full copy
    private ShardCache shardCache;
    private GgufFile shardFile;       // the received shard in use, guarded by lock
    private final Map<String, Message.NodeReport> peers = new ConcurrentHashMap<>();
    private Message.NodeReport report;
    private Transport transport;
    private Membership membership;
    private StageRunner runner;       // guarded by lock
    private Connection next;          // guarded by lock
    private long planVersion;         // guarded by lock
    private final AtomicLong seenPlan = new AtomicLong(); // the highest plan number of any message received
    private volatile Runnable takeOver;
    private int apiPort;              // reported: 0 unless this node is a candidate coordinator
    private final AtomicBoolean tookOver = new AtomicBoolean();

    public NodeConfig config() {
        return config;
    }

    public Node(NodeConfig config) {
        this.config = config;
    }

    /**
     * Opens the model (when the node has a local copy), measures this machine, starts the data
     * endpoint and joins the group.
     */
    public void start() throws IOException, MembershipException {
        compute = new Compute(config.threads());
        if (config.model() != null) {
            file = GgufFile.open(config.model());
            model = Model.load(file, compute);
            hashes = new TensorHashes(file);
            shards = new ShardServer(file, hashes);
        }
        String version = hashes == null ? "" : hashes.modelVersion();
        Optional<javax.net.ssl.SSLContext> tls = tls(config.tlsKeyStore(), config.token());
        transport = new TcpTransport(new TransportConfig(config.nodeId(), config.clusterName(), config.token(),
                new InetSocketAddress(config.host(), config.dataPort()), tls,
                WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(10)));
        transport.start();
        shardCache = new ShardCache(config.shardCache(), config.nodeId(), transport);
        DataLink.acceptEach(transport, "node-data", this::serve);
        long memory = NodeProbe.usableMemoryBytes();
        if (config.memoryLimit() > 0) {
            memory = Math.min(memory, config.memoryLimit());
        }
        report = new Message.NodeReport(config.nodeId(), ProcessHandle.current().pid(), config.host(),
                transport.localAddress().getPort(), version, config.threads(), memory,
                NodeProbe.memoryBytesPerSecond(32 << 20, 2) / config.slowdown(),
                NodeProbe.f32FlopsPerSecond(256, 1024, 10) * config.threads() / config.slowdown(), apiPort, 0);
        LOG.info("node {}: model {} version {}, data on {} ({}), {}", config.nodeId(),
                config.model() == null ? "(from peers, cache " + config.shardCache() + ")" : config.model(), version,
                transport.localAddress(), config.tlsKeyStore() == null ? "plain TCP" : "TLS", report);
        membership = new Membership(new MembershipConfig(config.nodeId(), config.clusterName(), config.token(),
                config.host(), config.port(), config.join(), Duration.ofSeconds(tls.isPresent() ? 6 : 2), tls)
                .withDns(config.dns()), new Listener()); // TLS handshakes make a loaded coordinator slower to answer
        membership.start();
    }

    private final class Listener implements MembershipListener {
        @Override
        public void viewChanged(MembershipView view) {
            peers.keySet().retainAll(view.members());
            electMaybe(view);
            // whoever runs the coordinator takes it (it need not be the view's first member when
            // nodes started before it); other nodes probe the link to the sender. Links measured
            // before this view go along (a probe may end before the first view is known).
            peerLinks.keySet().retainAll(view.members());
            for (String member : view.members()) {
                if (!member.equals(config.nodeId())) {
                    control.execute(() -> sendToCoordinator(member, report.withPlanVersion(seenPlan.get())));
                    peerLinks.values().forEach(link -> control.execute(() -> sendToCoordinator(member, link)));
                }
            }
        }

        @Override
        public void received(String from, byte[] payload) {
            try {
                switch (DataLink.decode(from, payload)) {
                    case Message.StageAssignment assignment -> {
                        seenPlan.accumulateAndGet(assignment.planVersion(), Math::max);
                        control.execute(() -> sendToCoordinator(from, assign(assignment)));
                    }
                    case Message.NodeReport peer -> { // a possible source of shards, an older candidate, a link to probe
                        seenPlan.accumulateAndGet(peer.planVersion(), Math::max); // a coordinator's: its latest plan
                        peers.put(peer.nodeId(), peer);
                        electMaybe(membership.view());
                        if (!peer.nodeId().equals(config.nodeId()) && peer.threads() > 0) { // 0: a coordinator
                            probes.execute(() -> probe(peer));
                        }
                    }
                    default -> LOG.debug("node {}: ignoring a control message from {}", config.nodeId(), from);
                }
            } catch (IOException e) {
                LOG.warn("node {}: refused a control message from {}: {}", config.nodeId(), from, e.getMessage());
            }
        }
    }

    /**
     * Measures the data link to a peer node (another node's report arrived) and tells every other
     * member, the coordinator among them, in a {@link Message.LinkReport}.
     */
    private void probe(Message.NodeReport peer) {
        Message.LinkReport measured;
        try (Connection connection = transport.connect(new InetSocketAddress(peer.dataHost(), peer.dataPort()))) {
            measured = PeerLinks.measure(connection, config.nodeId(), peer.nodeId());
        } catch (IOException e) {
            LOG.warn("node {}: could not probe the link to {}: {}", config.nodeId(), peer.nodeId(), e.getMessage());
            return;
        }
        LOG.info("node {}: link to {}: RTT {} µs, {} MB/s", config.nodeId(), peer.nodeId(),
                Math.round(measured.rttSeconds() * 1e6), Math.round(measured.bytesPerSecond() / 1e6));
        peerLinks.put(peer.nodeId(), measured);
        MembershipView view = membership.view();
        for (String member : view == null ? java.util.List.<String>of() : view.members()) {
            if (!member.equals(config.nodeId()) && !member.equals(peer.nodeId())) {
                control.execute(() -> sendToCoordinator(member, measured));
            }
        }
    }

    /** Starts the take-over task once, when this candidate is elected in {@code view}. */
    private void electMaybe(MembershipView view) {
        Runnable task = takeOver;
        if (task != null && view != null && CoordinatorElection.isElected(config.nodeId(), view.members(), peers)
                && !tookOver.getAndSet(true)) {
            LOG.info("node {}: first candidate of view {} {}: taking over as coordinator", config.nodeId(), view.id(),
                    view.members());
            Thread.ofPlatform().name("node-takeover").start(task);
        }
    }

    private void sendToCoordinator(String coordinator, Message message) {
        try {
            membership.send(coordinator, DataLink.encode(message));
        } catch (MembershipException e) {
            LOG.warn("node {}: could not tell {} {}: {}", config.nodeId(), coordinator, message.type(), e.getMessage());
        }
    }

    /**
     * Checks the model version and the range's tensor hashes (after receiving the tensors from peers
     * when this node has no copy of its own), then serves the range.
     */
    private Message.StageReady assign(Message.StageAssignment a) {
        GgufFile source = file;
        TensorHashes sourceHashes = hashes;
        Model sourceModel = model;
        if (hashes == null) {
            try {
                ShardCache.Shard shard = shardCache.open(a, sources(a.modelVersion()));
                source = shard.file();
                sourceHashes = shard.hashes();
                sourceModel = Model.load(source, compute);
            } catch (IOException | RuntimeException e) {
                return refuse(a, "node " + config.nodeId() + " could not get the tensors of layers [" + a.firstLayer()
                        + ", " + a.lastLayer() + ") from its peers: " + e.getMessage());
            }
        } else if (!hashes.modelVersion().equals(a.modelVersion())) {
            return refuse(a, "coordinator serves model version " + a.modelVersion() + " but node " + config.nodeId()
                    + " has version " + hashes.modelVersion() + " (" + config.model() + ")");
        }
        String problem = checkHashes(a, source, sourceHashes);
        if (problem != null) {
            closeUnused(source);
            return refuse(a, problem);
        }
        return serve(a, source, sourceModel);
    }

    /** Why the tensors of {@code a} in {@code source} are not the announced ones, or null. */
    private String checkHashes(Message.StageAssignment a, GgufFile source, TensorHashes sourceHashes) {
        for (int i = 0; i < a.tensorNames().length; i++) {
            String local = source.hasTensor(a.tensorNames()[i]) ? sourceHashes.hash(a.tensorNames()[i]) : "(missing)";
            if (!local.equals(a.tensorHashes()[i])) {
                return "tensor " + a.tensorNames()[i] + " of model version " + a.modelVersion()
                        + " has hash " + a.tensorHashes()[i] + " but node " + config.nodeId() + " has " + local;
            }
        }
        return null;
    }

    /** The data endpoints of the peers that reported a full copy of {@code version}. */
    private List<InetSocketAddress> sources(String version) {
        return peers.values().stream().filter(p -> p.modelVersion().equals(version))
                .sorted(Comparator.comparing(Message.NodeReport::nodeId))
                .map(p -> new InetSocketAddress(p.dataHost(), p.dataPort())).toList();
    }

    private void closeUnused(GgufFile source) {
        if (source != file) {
            source.close();
        }
    }

    /** Makes the range of {@code a} over {@code source} the one this node serves, linked to the next hop. */
    private Message.StageReady serve(Message.StageAssignment a, GgufFile source, Model sourceModel) {
        synchronized (lock) {
            closeNext();
            runner = null;
            planVersion = a.planVersion();
            lock.notifyAll();
            if (shardFile != null && shardFile != source) {
                shardFile.close(); // no runner uses it any more
            }
            shardFile = source == file ? null : source;
            try {
                runner = new StageRunner(config.nodeId(), sourceModel.stage(a.firstLayer(), a.lastLayer()),
                        sourceModel.config().dim(), sourceModel.config().vocabSize(), a.contextLength());
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
            if (first instanceof Message.ShardRequest request) { // a peer without the model wants tensors
                if (shards == null) {
                    upstream.send(new Message.Error(request.requestId(), ErrorCode.NOT_FOUND, "node "
                            + config.nodeId() + " has no full copy of the model"));
                } else {
                    shards.serve(upstream, request);
                }
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

    /**
     * Makes this node a candidate coordinator: its reports carry {@code apiPort}, and it runs
     * {@code task} once, on a thread of its own, when {@link CoordinatorElection} elects it (it is
     * the oldest candidate alive and no coordinator is in the view: at once when it forms the group,
     * or when every coordinator and older candidate has left or failed). Call before {@link #start}.
     */
    public void candidateCoordinator(int apiPort, Runnable task) {
        if (apiPort <= 0 || apiPort > 65535) {
            throw new IllegalArgumentException("node " + config.nodeId() + ": API port must be 1..65535, got "
                    + apiPort);
        }
        this.apiPort = apiPort;
        this.takeOver = task;
    }

    /** The plan this node serves (0 before the first assignment). */
    public long planVersion() {
        synchronized (lock) {
            return planVersion;
        }
    }

    /**
     * The highest plan number this node has seen: in its assignments, in the coordinator's plan
     * announcements (every member gets one per plan, with a stage in it or not) and in the other
     * members' reports. Its reports carry it; a coordinator that takes over numbers its plans after it.
     */
    public long highestPlanSeen() {
        return seenPlan.get();
    }

    /** The bound data endpoint. */
    public InetSocketAddress dataAddress() {
        return transport.localAddress();
    }

    @Override
    public void close() {
        control.shutdownNow();
        probes.shutdownNow();
        if (membership != null) {
            membership.close();
        }
        synchronized (lock) {
            closeNext();
            if (shardFile != null) {
                shardFile.close();
            }
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
