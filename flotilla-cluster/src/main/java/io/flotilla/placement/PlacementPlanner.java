package io.flotilla.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides which node runs which layers, as a pure function of the model, the measured cluster and
 * the objective. The search is exact under {@link PlacementCostModel} for up to
 * {@link #MAX_NODES} nodes; larger clusters are first cut to the nodes with the most memory
 * bandwidth. Same input, same plan.
 */
public final class PlacementPlanner {
    /** The search is exponential in nodes: 2^n · n² · blocks² steps. */
    public static final int MAX_NODES = 10;

    private PlacementPlanner() {
    }

    public static PlacementPlan plan(PlacementRequest request) throws PlacementException {
        List<NodeCapacity> nodes = candidates(request.cluster().nodes());
        PlacementCostModel cost = new PlacementCostModel(request, nodes);
        refuseIfHopeless(request, cost);
        PlacementPlan plan = switch (request.objective()) {
            case LATENCY -> fastest(cost);
            case THROUGHPUT -> widest(cost);
            case MEMORY -> {
                PlacementPlan.Pipeline pipeline = splitByMemory(cost);
                yield pipeline == null ? null : new PlacementPlan(PlacementObjective.MEMORY, List.of(pipeline),
                        pipeline.secondsPerToken(), pipeline.tokensPerSecond());
            }
        };
        if (plan == null) {
            throw refusal(request, cost, "no split of the layers fits the nodes' memory");
        }
        return plan;
    }

    /**
     * {@code plan}'s stages, unchanged, under the request's (newer) measurements: what keeping the
     * current placement would cost now. Null when one of its nodes is gone or a stage no longer fits.
     */
    public static PlacementPlan reevaluate(PlacementRequest request, PlacementPlan plan) {
        List<NodeCapacity> nodes = request.cluster().nodes();
        PlacementCostModel cost = new PlacementCostModel(request, nodes);
        List<PlacementPlan.Pipeline> pipelines = new ArrayList<>();
        for (PlacementPlan.Pipeline pipeline : plan.replicas()) {
            int[] order = new int[pipeline.stages().size()];
            int[] ends = new int[order.length];
            for (int s = 0; s < order.length; s++) {
                PlacementPlan.Stage stage = pipeline.stages().get(s);
                order[s] = indexOf(nodes, stage.nodeId());
                ends[s] = stage.projects() ? cost.blocks() : stage.lastLayer() + 1;
                if (order[s] < 0) {
                    return null;
                }
            }
            PlacementPlan.Pipeline now = ends[order.length - 1] == cost.blocks() ? cost.evaluate(order, ends) : null;
            if (now == null) {
                return null;
            }
            pipelines.add(now);
        }
        double slowest = pipelines.stream().mapToDouble(PlacementPlan.Pipeline::secondsPerToken).max().orElseThrow();
        double sumRate = pipelines.stream().mapToDouble(PlacementPlan.Pipeline::tokensPerSecond).sum();
        return new PlacementPlan(plan.objective(), pipelines, slowest, sumRate);
    }

    private static int indexOf(List<NodeCapacity> nodes, String id) {
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k).nodeId().equals(id)) {
                return k;
            }
        }
        return -1;
    }

    private static List<NodeCapacity> candidates(List<NodeCapacity> all) {
        List<NodeCapacity> sorted = new ArrayList<>(all);
        if (sorted.size() > MAX_NODES) {
            sorted.sort(Comparator.comparingDouble(NodeCapacity::memoryBytesPerSecond).reversed()
                    .thenComparing(Comparator.comparingLong(NodeCapacity::usableMemoryBytes).reversed())
                    .thenComparing(NodeCapacity::nodeId));
            sorted = sorted.subList(0, MAX_NODES);
        }
        sorted.sort(Comparator.comparing(NodeCapacity::nodeId));
        return sorted;
    }

    /** One pipeline with the least per-token time; the DP runs once per choice of first node. */
    private static PlacementPlan fastest(PlacementCostModel cost) {
        int n = cost.nodes().size();
        PipelineSearch search = new PipelineSearch(cost, true);
        PlacementPlan.Pipeline best = null;
        double bestTotal = Double.POSITIVE_INFINITY;
        int bestNodes = Integer.MAX_VALUE;
        for (int first = 0; first < n; first++) {
            search.run(first);
            int chosenSet = -1;
            int chosenLast = -1;
            for (int set = 1; set < 1 << n; set++) {
                for (int last = 0; last < n && (set & (1 << first)) != 0; last++) {
                    double total = search.complete(set, last) + cost.returnSeconds(last, first);
                    if (better(total, Integer.bitCount(set), bestTotal, bestNodes)) {
                        bestTotal = total;
                        bestNodes = Integer.bitCount(set);
                        chosenSet = set;
                        chosenLast = last;
                    }
                }
            }
            if (chosenSet >= 0) {
                best = search.pipeline(chosenSet, chosenLast);
            }
        }
        return best == null ? null
                : new PlacementPlan(PlacementObjective.LATENCY, List.of(best), best.secondsPerToken(),
                        best.tokensPerSecond());
    }

    /** Lower time wins; within a millionth, fewer nodes win. */
    private static boolean better(double time, int nodes, double bestTime, int bestNodes) {
        if (time == Double.POSITIVE_INFINITY) {
            return false;
        }
        if (bestTime == Double.POSITIVE_INFINITY) {
            return true;
        }
        if (Math.abs(time - bestTime) <= 1e-6 * bestTime) {
            return nodes < bestNodes;
        }
        return time < bestTime;
    }

    /** Disjoint pipelines whose summed throughput is largest: bottleneck DP, then a partition DP. */
    private static PlacementPlan widest(PlacementCostModel cost) {
        int n = cost.nodes().size();
        PipelineSearch search = new PipelineSearch(cost, false);
        search.run(-1);
        double[] rate = new double[1 << n];
        int[] lastOf = new int[1 << n];
        for (int set = 1; set < 1 << n; set++) {
            double bottleneck = Double.POSITIVE_INFINITY;
            for (int last = 0; last < n; last++) {
                if (search.complete(set, last) < bottleneck) {
                    bottleneck = search.complete(set, last);
                    lastOf[set] = last;
                }
            }
            rate[set] = bottleneck == Double.POSITIVE_INFINITY ? 0 : 1 / bottleneck;
        }
        int all = (1 << n) - 1;
        double[] total = new double[1 << n];
        int[] group = new int[1 << n];
        int[] count = new int[1 << n];
        for (int set = 1; set <= all; set++) {
            int lowest = set & -set;
            total[set] = total[set ^ lowest];
            count[set] = count[set ^ lowest];
            for (int sub = set; sub > 0; sub = (sub - 1) & set) {
                if ((sub & lowest) == 0 || rate[sub] == 0) {
                    continue;
                }
                double candidate = rate[sub] + total[set ^ sub];
                int replicas = 1 + count[set ^ sub];
                // more tokens per second wins; at a tie, more replicas (shorter pipelines, less latency)
                if (candidate > total[set] * (1 + 1e-6)
                        || candidate >= total[set] * (1 - 1e-6) && replicas > count[set]) {
                    total[set] = candidate;
                    count[set] = replicas;
                    group[set] = sub;
                }
            }
        }
        List<PlacementPlan.Pipeline> replicas = new ArrayList<>();
        for (int set = all; set > 0; ) {
            int sub = group[set];
            if (sub == 0) {
                set ^= set & -set;
            } else {
                replicas.add(search.pipeline(sub, lastOf[sub]));
                set ^= sub;
            }
        }
        if (replicas.isEmpty()) {
            return null;
        }
        double slowest = replicas.stream().mapToDouble(PlacementPlan.Pipeline::secondsPerToken).max().orElseThrow();
        double sumRate = replicas.stream().mapToDouble(PlacementPlan.Pipeline::tokensPerSecond).sum();
        return new PlacementPlan(PlacementObjective.THROUGHPUT, replicas, slowest, sumRate);
    }

    /**
     * The naive plan: every node in id order, blocks handed out in proportion to memory (a node
     * gets at least one); null when it runs out of blocks or a stage does not fit.
     */
    static PlacementPlan.Pipeline splitByMemory(PlacementCostModel cost) {
        List<NodeCapacity> nodes = cost.nodes();
        long totalMemory = nodes.stream().mapToLong(NodeCapacity::usableMemoryBytes).sum();
        double need = cost.stageMemory(0, cost.blocks());
        List<Integer> ends = new ArrayList<>();
        long memorySoFar = 0;
        int begin = 0;
        for (int k = 0; k < nodes.size() && begin < cost.blocks(); k++) {
            memorySoFar += nodes.get(k).usableMemoryBytes();
            double target = need * memorySoFar / totalMemory;
            int end = begin;
            while (end < cost.blocks() && (end == begin || end < 2 || cost.stageMemory(0, end + 1) <= target + 1)) {
                end++; // the first stage holds the embedding and at least one layer
            }
            if (end == cost.blocks() - 1) {
                end = cost.blocks(); // the output alone is no stage: it stays with the last layer
            }
            ends.add(k == nodes.size() - 1 ? cost.blocks() : end);
            begin = ends.getLast();
        }
        if (begin < cost.blocks()) {
            return null;
        }
        int[] order = java.util.stream.IntStream.range(0, ends.size()).toArray();
        return cost.evaluate(order, ends.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void refuseIfHopeless(PlacementRequest request, PlacementCostModel cost) throws PlacementException {
        long available = cost.nodes().stream().mapToLong(NodeCapacity::usableMemoryBytes).sum();
        if (cost.stageMemory(0, cost.blocks()) > available) {
            throw refusal(request, cost, "the cluster has too little memory in total");
        }
        long largestNode = cost.nodes().stream().mapToLong(NodeCapacity::usableMemoryBytes).max().orElse(0);
        for (int b = 0; b < cost.blocks(); b++) {
            if (cost.stageMemory(b, b + 1) > largestNode) {
                throw refusal(request, cost, "block " + b + " alone needs " + cost.stageMemory(b, b + 1)
                        + " bytes but the largest node has " + largestNode);
            }
        }
    }

    private static PlacementException refusal(PlacementRequest request, PlacementCostModel cost, String why) {
        ModelSpec model = request.model();
        long needed = cost.stageMemory(0, cost.blocks());
        long available = cost.nodes().stream().mapToLong(NodeCapacity::usableMemoryBytes).sum();
        return new PlacementException(String.format(
                "cannot place model %s: %s. It needs %,d bytes (weights %,d + KV cache %,d for %,d tokens); "
                        + "the cluster has %,d usable bytes on %d nodes %s",
                model.name(), why, needed, model.weightBytes(), needed - model.weightBytes(),
                request.kvTokensPerReplica(), available, cost.nodes().size(),
                cost.nodes().stream().map(node -> node.nodeId() + "=" + node.usableMemoryBytes()).toList()),
                needed, available);
    }
}
