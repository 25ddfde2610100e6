package io.flotilla.pipeline;

import io.flotilla.placement.ClusterCapacity;
import io.flotilla.placement.LayerSpec;
import io.flotilla.placement.LinkStats;
import io.flotilla.placement.ModelSpec;
import io.flotilla.placement.NodeCapacity;
import io.flotilla.placement.PlacementException;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.placement.PlacementPlan;
import io.flotilla.placement.PlacementPlanner;
import io.flotilla.placement.PlacementRequest;
import io.flotilla.wire.Message;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes the coordinator knows: each one's latest report, which of them the membership view
 * still holds, and which it refused (another model version, a stage that could not load). From
 * the usable ones it makes what the planner is given, and it lays a plan out onto their data
 * addresses. Safe to use from the membership threads and the coordinator's control thread.
 */
final class NodeRoster {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRoster.class);

    private final ModelSpec spec;
    private final String modelVersion;
    private final LinkTable links;
    private final PlacementObjective objective;
    private final long kvTokensPerReplica;
    private final Map<String, Message.NodeReport> reports = new ConcurrentHashMap<>();
    private final Set<String> alive = ConcurrentHashMap.newKeySet();
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    /**
     * @param modelVersion       the version the coordinator serves; a node reporting another is refused
     * @param kvTokensPerReplica the K/V tokens every replica must hold (context length × sequences)
     */
    NodeRoster(ModelSpec spec, String modelVersion, LinkTable links, PlacementObjective objective,
               long kvTokensPerReplica) {
        this.spec = spec;
        this.modelVersion = modelVersion;
        this.links = links;
        this.objective = objective;
        this.kvTokensPerReplica = kvTokensPerReplica;
    }

    /**
     * Takes a node's report (sent from a view that holds the node, so it is alive). True when the
     * node is accepted and its report is new or changed (other than in the plan number it has seen),
     * or the node is back in the view after it was dropped (e.g. falsely suspected under load, then
     * merged back): then its link is worth probing and the
     * cluster worth re-planning. A report of no threads is another member's shard source
     * announcement, not a node, and is ignored; a report of another model version refuses the node
     * (an empty version is a node without a copy of its own, which receives its tensors from peers).
     */
    boolean accept(Message.NodeReport report) {
        if (report.threads() == 0) {
            return false;
        }
        Message.NodeReport before = reports.put(report.nodeId(), report);
        boolean back = alive.add(report.nodeId()) && before != null;
        if (!report.modelVersion().isEmpty() && !report.modelVersion().equals(modelVersion)) {
            String reason = "node " + report.nodeId() + " has model version " + report.modelVersion()
                    + ", the cluster serves " + modelVersion;
            if (refused.put(report.nodeId(), reason) == null) {
                LOG.warn("coordinator: refused {}", reason);
            }
            return false;
        }
        boolean changed = before == null || !report.withPlanVersion(0).equals(before.withPlanVersion(0)); // not a plan seen
        return changed || back;
    }

    /** Keeps alive only the nodes among {@code members} (the membership view's). */
    void retainAlive(Collection<String> members) {
        alive.retainAll(members);
    }

    /** No longer plans on {@code nodeId}, for {@code reason} (shown by the status). */
    void refuse(String nodeId, String reason) {
        refused.put(nodeId, reason);
    }

    /** The nodes the planner may use: reported, alive and not refused, sorted by id. */
    List<Message.NodeReport> usable() {
        return reports.values().stream()
                .filter(r -> alive.contains(r.nodeId()) && !refused.containsKey(r.nodeId()))
                .sorted(Comparator.comparing(Message.NodeReport::nodeId)).toList();
    }

    /** The best placement over {@code nodes}. */
    PlacementPlan plan(List<Message.NodeReport> nodes) throws PlacementException {
        return PlacementPlanner.plan(request(nodes));
    }

    /** {@code plan} costed again over {@code nodes} with the links known now. */
    PlacementPlan reevaluate(List<Message.NodeReport> nodes, PlacementPlan plan) {
        return PlacementPlanner.reevaluate(request(nodes), plan);
    }

    PlacementRequest request(List<Message.NodeReport> nodes) {
        return new PlacementRequest(spec, capacity(nodes), objective, kvTokensPerReplica);
    }

    /** Each node's memory and speed (the same speed for every weight type) and the links between them. */
    private ClusterCapacity capacity(List<Message.NodeReport> nodes) {
        Set<String> types = new HashSet<>();
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
    List<List<ActivePipeline.Stage>> layout(PlacementPlan plan) {
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

    /** Every node that ever reported, by id, with its range in {@code replicas} (the plan now serving). */
    List<ClusterStatus.Node> status(List<List<ActivePipeline.Stage>> replicas) {
        Map<String, ActivePipeline.Stage> byNode = new HashMap<>();
        replicas.forEach(stages -> stages.forEach(stage -> byNode.put(stage.nodeId(), stage)));
        List<ClusterStatus.Node> nodes = new ArrayList<>();
        for (Message.NodeReport r : new TreeMap<>(reports).values()) {
            ActivePipeline.Stage stage = byNode.get(r.nodeId());
            nodes.add(new ClusterStatus.Node(r.nodeId(), r.pid(), r.dataHost() + ":" + r.dataPort(),
                    alive.contains(r.nodeId()), stage == null ? List.of() : List.of(stage.firstLayer(),
                    stage.lastLayer()), new ClusterStatus.Capacity(r.threads(), r.usableMemoryBytes(),
                    r.memoryBytesPerSecond(), r.flopsPerSecond()), refused.get(r.nodeId()),
                    r.apiPort() > 0 ? "http://" + r.dataHost() + ":" + r.apiPort() : null));
        }
        return nodes;
    }

    /** The ids of every node that ever reported. */
    Set<String> reported() {
        return Set.copyOf(reports.keySet());
    }
}
