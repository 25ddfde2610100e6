package io.flotilla.pipeline;

import io.flotilla.gguf.GgufFile;
import io.flotilla.membership.Membership;
import io.flotilla.membership.MembershipConfig;
import io.flotilla.membership.MembershipException;
import io.flotilla.membership.MembershipListener;
import io.flotilla.membership.MembershipView;
import io.flotilla.node.DataLink;
import io.flotilla.node.PeerLinks;
import io.flotilla.node.ShardServer;
import io.flotilla.node.TensorHashes;
import io.flotilla.placement.ClusterCapacity;
import io.flotilla.placement.GgufModelSpec;
import io.flotilla.placement.LayerSpec;
import io.flotilla.placement.LinkProbe;
import io.flotilla.placement.LinkStats;
import io.flotilla.placement.ModelSpec;
import io.flotilla.placement.NodeCapacity;
import io.flotilla.placement.PlacementException;
import io.flotilla.placement.PlacementPlan;
import io.flotilla.placement.PlacementPlanner;
import io.flotilla.placement.PlacementRequest;
import io.flotilla.transport.Connection;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.Transport;
import io.flotilla.transport.TransportConfig;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member that plans: it collects the nodes' reports, places the model with
 * {@link PlacementPlanner}, assigns each node its layer range with the content hashes of its
 * tensors, and re-plans whenever a node joins, leaves or fails. It serves no layers itself; the
 * {@link PipelineExecutor} sends batches to the first stage of the {@link #awaitPipeline current
 * pipeline} and reads the last stage's results from {@link #pollResult}.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    /** A measured link re-plans only when the new plan is at least this much cheaper than the current one. */
    static final double LINK_REPLAN_GAIN = 0.10;

    private final CoordinatorConfig config;
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("coordinator-control").factory());
    private final Map<String, Message.NodeReport> reports = new ConcurrentHashMap<>();
    private final Set<String> alive = ConcurrentHashMap.newKeySet();
    private final Map<String, String> refused = new ConcurrentHashMap<>();
    private final LinkTable links;
    private final Map<String, CompletableFuture<Message.StageReady>> pending = new ConcurrentHashMap<>();
    private final java.util.concurrent.BlockingQueue<PipelineResult> results =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private GgufFile file;
    private TensorHashes hashes;
    private ShardServer shards;
    private ModelSpec spec;
    private Transport transport;
    private Membership membership;
    private volatile ActivePipeline active;
    private volatile List<List<ActivePipeline.Stage>> lastReplicas = List.of();
    private PlacementPlan lastPlan; // on the control thread
    private volatile String problem = "waiting for nodes";
    private volatile long lastVersion;
    private long planCounter;

    public Coordinator(CoordinatorConfig config) {
        this.config = config;
        this.links = new LinkTable(config.nodeId());
    }

    /** One result of the last stage, tagged with the plan whose pipeline produced it. */
    public record PipelineResult(long planVersion, Message message) {
    }

    public void start() throws IOException, MembershipException {
        start(config.joinAddress(), 0);
    }

    /**
     * Takes over an existing group: joins it through {@code members} and numbers its plans after
     * {@code afterPlanVersion} (the last plan a previous coordinator made), so that the nodes never
     * mistake a new plan's links for an old one's.
     */
    public void start(List<InetSocketAddress> members, long afterPlanVersion) throws IOException, MembershipException {
        planCounter = afterPlanVersion;
        file = GgufFile.open(config.model());
        hashes = new TensorHashes(file);
        shards = new ShardServer(file, hashes);
        spec = GgufModelSpec.of(file);
        LOG.info("coordinator {}: model {} version {}", config.nodeId(), config.model(), hashes.modelVersion());
        Optional<javax.net.ssl.SSLContext> tls = io.flotilla.node.Node.tls(config.tlsKeyStore(), config.token());
        transport = new TcpTransport(new TransportConfig(config.nodeId(), config.clusterName(), config.token(),
                new InetSocketAddress(config.host(), 0), tls,
                WireProtocol.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(10)));
        transport.start();
        DataLink.acceptEach(transport, "coordinator-results", this::readResults);
        membership = new Membership(new MembershipConfig(config.nodeId(), config.clusterName(), config.token(),
                config.host(), config.port(), members, Duration.ofSeconds(1), tls), new Listener());
        membership.start();
    }

    private final class Listener implements MembershipListener {
        @Override
        public void viewChanged(MembershipView view) {
            alive.retainAll(view.members());
            control.execute(() -> announceSource(view));
            for (String gone : view.left()) {
                CompletableFuture<Message.StageReady> waiting = pending.get(gone);
                if (waiting != null) {
                    waiting.completeExceptionally(new IOException("node " + gone + " left the cluster"));
                }
            }
            if (!view.left().isEmpty()) {
                LOG.info("coordinator: nodes {} left (view {})", view.left(), view.id());
                control.execute(() -> replan("nodes " + view.left() + " left"));
            }
        }

        @Override
        public void received(String from, byte[] payload) {
            try {
                switch (DataLink.decode(payload)) {
                    case Message.NodeReport report -> control.execute(() -> onReport(report));
                    case Message.LinkReport link -> control.execute(() -> onLinkReport(link));
                    case Message.StageReady ready -> {
                        CompletableFuture<Message.StageReady> future = pending.get(ready.nodeId());
                        if (future != null) {
                            future.complete(ready);
                        }
                    }
                    default -> LOG.warn("coordinator: unexpected control message from {}", from);
                }
            } catch (IOException e) {
                LOG.warn("coordinator: malformed control message from {}: {}", from, e.getMessage());
            }
        }
    }

    /**
     * Tells the members where to fetch tensors: a report of no threads names a member that serves no
     * layers but answers SHARD_REQUESTs from its full copy (nodes without a local model use it).
     */
    private void announceSource(MembershipView view) {
        InetSocketAddress data = transport.localAddress();
        Message.NodeReport source = new Message.NodeReport(config.nodeId(), ProcessHandle.current().pid(),
                data.getHostString(), data.getPort(), hashes.modelVersion(), 0, 0, 0, 0, 0);
        for (String member : view.members()) {
            if (!member.equals(config.nodeId())) {
                try {
                    membership.send(member, DataLink.encode(source));
                } catch (MembershipException e) {
                    LOG.warn("coordinator: could not tell {} where the shards are: {}", member, e.getMessage());
                }
            }
        }
    }

    private void onReport(Message.NodeReport report) {
        if (report.threads() == 0) {
            return; // another member's shard source announcement, not a node
        }
        Message.NodeReport before = reports.put(report.nodeId(), report);
        alive.add(report.nodeId()); // a report is sent from a view that holds the node
        // an empty version: the node has no copy of its own and receives its tensors from peers
        if (!report.modelVersion().isEmpty() && !report.modelVersion().equals(hashes.modelVersion())) {
            String reason = "node " + report.nodeId() + " has model version " + report.modelVersion()
                    + ", the cluster serves " + hashes.modelVersion();
            if (refused.put(report.nodeId(), reason) == null) {
                LOG.warn("coordinator: refused {}", reason);
            }
            return;
        }
        if (!report.equals(before)) {
            probe(report);
            replan("node " + report.nodeId() + " reported");
        }
    }

    /**
     * Takes a node's measurement of its link to a peer; re-plans when the placement over the
     * measured links differs from the current one and beats it, re-evaluated under the same
     * measurements, by {@link #LINK_REPLAN_GAIN} (a re-plan replays every sequence; loopback
     * measurements on a busy machine are noisy).
     */
    private void onLinkReport(Message.LinkReport report) {
        if (!links.put(report)) {
            LOG.warn("coordinator: ignored link report {}", report);
            return;
        }
        LOG.info("coordinator: {} measured its link to {}: RTT {} µs, {} MB/s", report.fromNode(), report.toNode(),
                Math.round(report.rttSeconds() * 1e6), Math.round(report.bytesPerSecond() / 1e6));
        if (planCounter == 0 || active == null) {
            return;
        }
        try {
            List<Message.NodeReport> nodes = usableNodes();
            PlacementPlan better = plan(nodes);
            if (layout(better).equals(lastReplicas)) {
                return;
            }
            PlacementPlan current = lastPlan == null ? null : PlacementPlanner.reevaluate(request(nodes), lastPlan);
            if (current != null && better.cost() > current.cost() * (1 - LINK_REPLAN_GAIN)) {
                LOG.debug("coordinator: keeping plan {}: {} s instead of {} s is not worth a re-plan", lastVersion,
                        better.cost(), current.cost());
                return;
            }
            replan("link " + report.fromNode() + " -> " + report.toNode() + " measured");
        } catch (PlacementException e) {
            LOG.debug("coordinator: no plan with the new link: {}", e.getMessage());
        }
    }

    private List<Message.NodeReport> usableNodes() {
        return reports.values().stream()
                .filter(r -> alive.contains(r.nodeId()) && !refused.containsKey(r.nodeId()))
                .sorted(java.util.Comparator.comparing(Message.NodeReport::nodeId)).toList();
    }

    private PlacementPlan plan(List<Message.NodeReport> nodes) throws PlacementException {
        return PlacementPlanner.plan(request(nodes));
    }

    private PlacementRequest request(List<Message.NodeReport> nodes) {
        return new PlacementRequest(spec, capacity(nodes), config.objective(),
                (long) config.contextLength() * config.maxSequences());
    }

    /** Places the model over the live, accepted nodes and makes the new pipeline current. */
    private void replan(String reason) {
        List<Message.NodeReport> nodes = usableNodes();
        if (planCounter == 0 && nodes.size() < config.expectedNodes()) {
            problem = "waiting for nodes: " + nodes.size() + " of " + config.expectedNodes() + " reported";
            return;
        }
        closeActive();
        if (nodes.isEmpty()) {
            problem = "no node left to serve the model";
            LOG.warn("coordinator: {}", problem);
            return;
        }
        List<List<ActivePipeline.Stage>> replicas;
        PlacementPlan placed;
        try {
            placed = plan(nodes);
            replicas = layout(placed);
        } catch (PlacementException e) {
            problem = e.getMessage();
            LOG.warn("coordinator: {}", problem);
            return;
        }
        long version = ++planCounter;
        LOG.info("coordinator: plan {} ({}): {}", version, reason, replicas);
        try {
            goLive(version, replicas);
            lastPlan = placed;
        } catch (IOException | TimeoutException | StageRefusedException e) {
            LOG.warn("coordinator: plan {} failed: {}", version, e.getMessage());
            problem = "plan " + version + " failed: " + e.getMessage();
            control.schedule(() -> replan("retry after: " + e.getMessage()), 500, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Assigns the ranges, waits for every node, opens the link to each replica's first stage and
     * makes the plan current.
     */
    private void goLive(long version, List<List<ActivePipeline.Stage>> replicas)
            throws IOException, TimeoutException, StageRefusedException {
        assign(version, replicas);
        List<ActivePipeline.Replica> serving = new ArrayList<>();
        try {
            for (List<ActivePipeline.Stage> stages : replicas) {
                Connection first = transport.connect(stages.getFirst().dataAddress());
                serving.add(new ActivePipeline.Replica(stages, first));
                first.send(DataLink.announce(version, config.nodeId()));
            }
        } catch (IOException e) {
            serving.forEach(replica -> replica.first().close());
            throw e;
        }
        lastReplicas = replicas;
        problem = null;
        synchronized (this) {
            lastVersion = version;
            active = new ActivePipeline(version, serving);
            notifyAll();
        }
    }

    private static final class StageRefusedException extends Exception {
        StageRefusedException(String message) {
            super(message);
        }
    }

    private void assign(long version, List<List<ActivePipeline.Stage>> replicas)
            throws IOException, TimeoutException, StageRefusedException {
        pending.clear();
        Map<String, CompletableFuture<Message.StageReady>> futures = new HashMap<>();
        List<ActivePipeline.Stage> all = replicas.stream().flatMap(List::stream).toList();
        for (ActivePipeline.Stage stage : all) {
            futures.put(stage.nodeId(), new CompletableFuture<>());
        }
        pending.putAll(futures);
        for (List<ActivePipeline.Stage> stages : replicas) {
            sendAssignments(version, stages);
        }
        awaitReady(all, futures);
    }

    /** Tells each stage of one pipeline its range, where its output goes and the hashes of its tensors. */
    private void sendAssignments(long version, List<ActivePipeline.Stage> stages) throws IOException {
        InetSocketAddress self = transport.localAddress();
        for (int i = 0; i < stages.size(); i++) {
            ActivePipeline.Stage stage = stages.get(i);
            InetSocketAddress next = i + 1 < stages.size() ? stages.get(i + 1).dataAddress() : self;
            List<String> names = hashes.stageTensors(stage.firstLayer(), stage.lastLayer(), spec.layers().size());
            String[] digests = names.stream().map(hashes::hash).toArray(String[]::new);
            try {
                membership.send(stage.nodeId(), DataLink.encode(new Message.StageAssignment(version,
                        stage.firstLayer(), stage.lastLayer(), config.contextLength(), next.getHostString(),
                        next.getPort(), hashes.modelVersion(), names.toArray(String[]::new), digests)));
            } catch (MembershipException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private void awaitReady(List<ActivePipeline.Stage> stages, Map<String, CompletableFuture<Message.StageReady>> futures)
            throws IOException, TimeoutException, StageRefusedException {
        long deadline = System.nanoTime() + config.stageTimeout().toNanos();
        for (ActivePipeline.Stage stage : stages) {
            Message.StageReady ready;
            try {
                ready = futures.get(stage.nodeId()).get(Math.max(1, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + stage.nodeId(), e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause().getMessage(), e.getCause());
            }
            if (!ready.ok()) {
                refused.put(stage.nodeId(), ready.reason());
                throw new StageRefusedException(ready.reason());
            }
        }
    }

    /**
     * Measures RTT and bandwidth from here to the node's data endpoint over a real data connection
     * ({@link LinkProbe}); without an answer the planner keeps assuming {@link LinkTable#DEFAULT_LINK}.
     */
    private void probe(Message.NodeReport report) {
        try (Connection connection = transport.connect(new InetSocketAddress(report.dataHost(), report.dataPort()))) {
            LinkStats stats = LinkProbe.measure(connection, PeerLinks.PINGS, PeerLinks.CHUNKS, PeerLinks.CHUNK_BYTES);
            connection.send(new Message.Close("probe done"));
            links.putCoordinatorLink(report.nodeId(), stats);
            LOG.info("coordinator: link to {}: RTT {} µs, {} MB/s", report.nodeId(),
                    Math.round(stats.rttSeconds() * 1e6), Math.round(stats.bytesPerSecond() / 1e6));
        } catch (IOException e) {
            links.removeCoordinatorLink(report.nodeId());
            LOG.warn("coordinator: could not probe the link to {}: {}", report.nodeId(), e.getMessage());
        }
    }

    /** The link the planner assumes from node {@code a} to node {@code b}: measured by them, else estimated. */
    LinkStats estimatedLink(String a, String b) {
        return links.link(a, b);
    }

    /** The link node {@code a} measured to node {@code b} (or b to a), or null before either probed. */
    LinkStats measuredLink(String a, String b) {
        return links.measured(a, b);
    }

    private ClusterCapacity capacity(List<Message.NodeReport> nodes) {
        Set<String> types = new java.util.HashSet<>();
        types.add(spec.embedding().weightType());
        types.add(spec.output().weightType());
        spec.layers().stream().map(LayerSpec::weightType).forEach(types::add);
        List<NodeCapacity> capacities = new ArrayList<>();
        for (Message.NodeReport r : nodes) {
            Map<String, Double> flops = new HashMap<>();
            types.forEach(type -> flops.put(type, r.flopsPerSecond()));
            capacities.add(new NodeCapacity(r.nodeId(), r.usableMemoryBytes(), r.memoryBytesPerSecond(), flops));
        }
        Map<String, Map<String, LinkStats>> pairs = new HashMap<>();
        for (Message.NodeReport a : nodes) {
            for (Message.NodeReport b : nodes) {
                if (!a.nodeId().equals(b.nodeId())) {
                    pairs.computeIfAbsent(a.nodeId(), k -> new HashMap<>()).put(b.nodeId(),
                            links.link(a.nodeId(), b.nodeId()));
                }
            }
        }
        return new ClusterCapacity(capacities, pairs, LinkTable.DEFAULT_LINK);
    }

    /**
     * Each replica's stages with their data addresses, replicas in the plan's order (the planner
     * gives every stage a layer: {@link io.flotilla.placement.PlacementCostModel#holdsLayer}).
     */
    private List<List<ActivePipeline.Stage>> layout(PlacementPlan plan) {
        List<List<ActivePipeline.Stage>> replicas = new ArrayList<>();
        for (PlacementPlan.Pipeline pipeline : plan.replicas()) {
            List<ActivePipeline.Stage> stages = new ArrayList<>();
            for (PlacementPlan.Stage stage : pipeline.stages()) {
                Message.NodeReport r = reports.get(stage.nodeId());
                stages.add(new ActivePipeline.Stage(stage.nodeId(), stage.firstLayer(), stage.lastLayer(),
                        new InetSocketAddress(r.dataHost(), r.dataPort())));
            }
            replicas.add(List.copyOf(stages));
        }
        return List.copyOf(replicas);
    }

    private synchronized void closeActive() {
        if (active != null) {
            active.replicas().forEach(replica -> replica.first().close());
            active = null;
        }
    }

    private void readResults(Connection connection) {
        long version = -1;
        try (connection) {
            Message first = connection.receive();
            if (first instanceof Message.ShardRequest request) { // a node without the model wants tensors
                shards.serve(connection, request);
                return;
            }
            version = DataLink.version(first);
            while (true) {
                results.add(new PipelineResult(version, connection.receive()));
            }
        } catch (IOException e) {
            LOG.debug("coordinator: results link of plan {} closed: {}", version, e.getMessage());
            pipelineFailed(version, "the last stage's link closed: " + e.getMessage());
        }
    }

    /**
     * The current pipeline with a version above {@code afterVersion}, waiting up to {@code timeout}
     * for a (re-)plan; null when none came in time.
     */
    public synchronized ActivePipeline awaitPipeline(long afterVersion, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active == null || active.version() <= afterVersion) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return active;
    }

    /** The version of the current pipeline, or -1 while there is none. */
    public long activeVersion() {
        ActivePipeline current = active;
        return current == null ? -1 : current.version();
    }

    /** The next result of the last stage, or null after {@code timeout}. */
    public PipelineResult pollResult(Duration timeout) throws InterruptedException {
        return results.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Tells the coordinator that plan {@code version}'s pipeline broke (a link closed). Membership
     * usually reports the failed node within a second or two and triggers the re-plan; if it does
     * not, the coordinator re-plans over the same members after {@code 3 s}.
     */
    public void pipelineFailed(long version, String reason) {
        synchronized (this) {
            if (active == null || active.version() != version) {
                return;
            }
            LOG.warn("coordinator: pipeline of plan {} failed: {}", version, reason);
        }
        try {
            control.schedule(() -> {
                if (activeVersion() == version) {
                    replan("pipeline of plan " + version + " failed: " + reason);
                }
            }, 3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("coordinator closed; no re-plan after plan {} failed", version);
        }
    }

    public String modelVersion() {
        return hashes.modelVersion();
    }

    public int vocabSize() {
        return (int) file.requireTensor("token_embd.weight").ne(1);
    }

    public CoordinatorConfig config() {
        return config;
    }

    public ClusterStatus status() {
        Map<String, ActivePipeline.Stage> byNode = new HashMap<>();
        lastReplicas.forEach(stages -> stages.forEach(stage -> byNode.put(stage.nodeId(), stage)));
        List<ClusterStatus.Node> nodes = new ArrayList<>();
        for (Message.NodeReport r : new TreeMap<>(reports).values()) {
            ActivePipeline.Stage stage = byNode.get(r.nodeId());
            nodes.add(new ClusterStatus.Node(r.nodeId(), r.pid(), r.dataHost() + ":" + r.dataPort(),
                    alive.contains(r.nodeId()), stage == null ? List.of() : List.of(stage.firstLayer(),
                    stage.lastLayer()), new ClusterStatus.Capacity(r.threads(), r.usableMemoryBytes(),
                    r.memoryBytesPerSecond(), r.flopsPerSecond()), refused.get(r.nodeId()),
                    r.apiPort() > 0 ? "http://" + r.dataHost() + ":" + r.apiPort() : null));
        }
        List<List<String>> replicas = lastReplicas.stream()
                .map(stages -> stages.stream().map(ActivePipeline.Stage::nodeId).toList()).toList();
        return new ClusterStatus(lastVersion, config.objective().name().toLowerCase(), hashes.modelVersion(), nodes,
                replicas.isEmpty() ? List.of() : replicas.getFirst(), problem, replicas, links.status(reports.keySet()));
    }

    @Override
    public void close() {
        closeActive();
        control.shutdownNow();
        if (membership != null) {
            membership.close();
        }
        if (transport != null) {
            transport.close();
        }
        if (file != null) {
            file.close();
        }
    }
}
