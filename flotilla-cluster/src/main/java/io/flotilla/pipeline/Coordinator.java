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
import io.flotilla.placement.GgufModelSpec;
import io.flotilla.placement.LinkProbe;
import io.flotilla.placement.LinkStats;
import io.flotilla.placement.ModelSpec;
import io.flotilla.placement.PlacementException;
import io.flotilla.placement.PlacementPlan;
import io.flotilla.placement.PlacementPlanner;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
    /** How long the first plan waits for the reports (and so the plan numbers) of the members in the view. */
    static final Duration FIRST_PLAN_WAIT = Duration.ofSeconds(3);

    private final CoordinatorConfig config;
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("coordinator-control").factory());
    private final LinkTable links;
    private final BlockingQueue<PipelineResult> results = new LinkedBlockingQueue<>();
    private GgufFile file;
    private TensorHashes hashes;
    private ShardServer shards;
    private NodeRoster roster;
    private StageAssignments assignments;
    private Transport transport;
    private Membership membership;
    private volatile ActivePipeline active;
    private volatile List<List<ActivePipeline.Stage>> lastReplicas = List.of();
    private PlacementPlan lastPlan; // on the control thread
    private volatile String problem = "waiting for nodes";
    private volatile long lastVersion;
    private PlanNumbers planNumbers; // on the control thread
    private boolean firstPlanTimer;  // a re-plan is scheduled for when the first plan stops waiting

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
     * {@code afterPlanVersion} (the highest plan number its own node has seen) and after the highest
     * plan number any member reports, so that the nodes never mistake a new plan's links for an old
     * one's. Its first plan waits up to {@link #FIRST_PLAN_WAIT} for the report of every member in the view.
     */
    public void start(List<InetSocketAddress> members, long afterPlanVersion) throws IOException, MembershipException {
        planNumbers = new PlanNumbers(afterPlanVersion, System.nanoTime() + FIRST_PLAN_WAIT.toNanos());
        file = GgufFile.open(config.model());
        hashes = new TensorHashes(file);
        shards = new ShardServer(file, hashes);
        ModelSpec spec = GgufModelSpec.of(file);
        roster = new NodeRoster(spec, hashes.modelVersion(), links, config.objective(),
                (long) config.contextLength() * config.maxSequences());
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
        assignments = new StageAssignments(hashes, spec.layers().size(), config.contextLength(),
                config.stageTimeout(), membership::send);
        membership.start();
    }

    private final class Listener implements MembershipListener {
        @Override
        public void viewChanged(MembershipView view) {
            roster.retainAlive(view.members());
            control.execute(() -> announceSource(view));
            view.left().forEach(assignments::left);
            if (!view.left().isEmpty()) {
                LOG.info("coordinator: nodes {} left (view {})", view.left(), view.id());
                control.execute(() -> replan("nodes " + view.left() + " left"));
            } else {
                control.execute(() -> { // reports may come before this member's first view: plan once it is in
                    if (!planNumbers.numbered()) {
                        replan("view " + view.id());
                    }
                });
            }
        }

        @Override
        public void received(String from, byte[] payload) {
            try {
                switch (DataLink.decode(from, payload)) {
                    case Message.NodeReport report -> control.execute(() -> onReport(report));
                    case Message.LinkReport link -> control.execute(() -> onLinkReport(link));
                    case Message.StageReady ready -> assignments.ready(ready);
                    default -> LOG.warn("coordinator: unexpected control message from {}", from);
                }
            } catch (IOException e) {
                LOG.warn("coordinator: refused a control message from {}: {}", from, e.getMessage());
            }
        }
    }

    /**
     * Tells the members where to fetch tensors and the latest plan number: a report of no threads names
     * a member that serves no layers but answers SHARD_REQUESTs from its full copy (nodes without a
     * local model use it). Sent on every view and every plan, so every member learns each plan's number.
     */
    private void announceSource(MembershipView view) {
        if (view == null) {
            return;
        }
        InetSocketAddress data = transport.localAddress();
        Message.NodeReport source = new Message.NodeReport(config.nodeId(), ProcessHandle.current().pid(),
                data.getHostString(), data.getPort(), hashes.modelVersion(), 0, 0, 0, 0, 0,
                planNumbers.highest());
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
        if (planNumbers.heard(report)) {
            LOG.info("coordinator: {} has seen plan {}: the next plan is numbered after it", report.nodeId(),
                    report.planVersion());
        }
        if (roster.accept(report)) {
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
        if (active == null) {
            return;
        }
        try {
            List<Message.NodeReport> nodes = roster.usable();
            PlacementPlan better = roster.plan(nodes);
            if (roster.layout(better).equals(lastReplicas)) {
                return;
            }
            PlacementPlan current = lastPlan == null ? null : roster.reevaluate(nodes, lastPlan);
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

    /** Places the model over the live, accepted nodes and makes the new pipeline current. */
    private void replan(String reason) {
        List<Message.NodeReport> nodes = roster.usable();
        if (!planNumbers.numbered() && nodes.size() < config.expectedNodes()) {
            problem = "waiting for nodes: " + nodes.size() + " of " + config.expectedNodes() + " reported";
            return;
        }
        if (awaitingReports()) {
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
            placed = roster.plan(nodes);
            replicas = roster.layout(placed);
        } catch (PlacementException e) {
            problem = e.getMessage();
            LOG.warn("coordinator: {}", problem);
            return;
        }
        long version = planNumbers.next();
        LOG.info("coordinator: plan {} ({}): {}", version, reason, replicas);
        announceSource(membership.view()); // every member learns the number, with a stage in the plan or not
        try {
            goLive(version, replicas);
            lastPlan = placed;
        } catch (IOException | TimeoutException | StageAssignments.RefusedException e) {
            LOG.warn("coordinator: plan {} failed: {}", version, e.getMessage());
            problem = "plan " + version + " failed: " + e.getMessage();
            control.schedule(() -> replan("retry after: " + e.getMessage()), 500, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Whether the first plan still waits: for this member's first view (reports can arrive before it,
     * and nothing can be sent then), and for members of the view that have not reported (their plan
     * numbers may be higher than the ones heard), until {@link #FIRST_PLAN_WAIT} after start.
     */
    private boolean awaitingReports() {
        MembershipView view = membership.view();
        if (planNumbers.numbered()) {
            return false;
        }
        if (view == null) { // not in the group yet: nothing can be sent; the first view re-plans
            problem = "joining the group";
            return true;
        }
        List<String> silent = planNumbers.silent(view.members(), config.nodeId());
        long left = planNumbers.waitNanos(silent, System.nanoTime());
        if (left == 0) {
            return false;
        }
        problem = "waiting for the reports of " + silent;
        if (!firstPlanTimer) {
            firstPlanTimer = true;
            control.schedule(() -> {
                if (!planNumbers.numbered()) {
                    replan("waited for the reports of " + silent);
                }
            }, left, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /**
     * Assigns the ranges, waits for every node, opens the link to each replica's first stage and
     * makes the plan current.
     */
    private void goLive(long version, List<List<ActivePipeline.Stage>> replicas)
            throws IOException, TimeoutException, StageAssignments.RefusedException {
        try {
            assignments.assign(version, replicas, transport.localAddress());
        } catch (StageAssignments.RefusedException e) {
            roster.refuse(e.nodeId(), e.getMessage());
            throw e;
        }
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

    /** The current pipeline, or null while there is none (does not wait). */
    public ActivePipeline activePipeline() {
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
        } catch (RejectedExecutionException e) {
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
        List<List<ActivePipeline.Stage>> serving = lastReplicas;
        List<ClusterStatus.Node> nodes = roster.status(serving);
        List<List<String>> replicas = serving.stream()
                .map(stages -> stages.stream().map(ActivePipeline.Stage::nodeId).toList()).toList();
        return new ClusterStatus(lastVersion, config.objective().name().toLowerCase(), hashes.modelVersion(), nodes,
                replicas.isEmpty() ? List.of() : replicas.getFirst(), problem, replicas, links.status(roster.reported()));
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
