package io.flotilla.placement;

import java.util.ArrayList;
import java.util.List;

/**
 * The numbers behind every plan, precomputed per node and block. Blocks are the embedding
 * (index 0), the layers (1..L) and the output (L+1); a stage holds blocks {@code [begin, end)}.
 *
 * <ul>
 *   <li>a block on a node takes the roofline time max(flops / matmul speed, bytes read / memory bandwidth);</li>
 *   <li>a hop between stages takes half the RTT plus activation bytes over the link bandwidth;
 *       one stream also pays the way back (the sampled token) from the last stage to the first;</li>
 *   <li>a pipeline's throughput is one over its slowest stage or hop transfer (latency overlaps
 *       with enough micro-batches in flight);</li>
 *   <li>a stage needs its blocks' weights plus their KV cache for {@code kvTokensPerReplica} tokens.</li>
 * </ul>
 */
public final class PlacementCostModel {
    static final long TOKEN_BYTES = 8;

    private final PlacementRequest request;
    private final List<NodeCapacity> nodes;
    private final int blocks;
    private final double[][] secondsPrefix; // [node][block end]
    private final long[] memoryPrefix; // [block end]
    private final LinkStats[][] links;

    public PlacementCostModel(PlacementRequest request, List<NodeCapacity> nodes) {
        this.request = request;
        this.nodes = List.copyOf(nodes);
        List<LayerSpec> specs = request.model().blocks();
        this.blocks = specs.size();
        this.secondsPrefix = new double[nodes.size()][blocks + 1];
        this.memoryPrefix = new long[blocks + 1];
        for (int b = 0; b < blocks; b++) {
            LayerSpec spec = specs.get(b);
            memoryPrefix[b + 1] = memoryPrefix[b] + spec.weightBytes()
                    + Math.multiplyExact(spec.kvBytesPerToken(), request.kvTokensPerReplica());
            for (int k = 0; k < nodes.size(); k++) {
                NodeCapacity node = nodes.get(k);
                double compute = spec.flopsPerToken() == 0 ? 0 : spec.flopsPerToken() / node.flopsPerSecond(spec.weightType());
                double memory = spec.bytesReadPerToken() / node.memoryBytesPerSecond();
                secondsPrefix[k][b + 1] = secondsPrefix[k][b] + Math.max(compute, memory);
            }
        }
        this.links = new LinkStats[nodes.size()][nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = 0; j < nodes.size(); j++) {
                links[i][j] = request.cluster().link(nodes.get(i).nodeId(), nodes.get(j).nodeId());
            }
        }
    }

    public List<NodeCapacity> nodes() {
        return nodes;
    }

    public int blocks() {
        return blocks;
    }

    /** Seconds per token of blocks [begin, end) on node k. */
    public double stageSeconds(int k, int begin, int end) {
        return secondsPrefix[k][end] - secondsPrefix[k][begin];
    }

    public long stageMemory(int begin, int end) {
        return memoryPrefix[end] - memoryPrefix[begin];
    }

    /**
     * Whether blocks {@code [begin, end)} include a layer: a stage of the embedding alone or the
     * output alone cannot run (stages are layer ranges; the first also embeds, the last projects).
     */
    public boolean holdsLayer(int begin, int end) {
        return end >= 2 && begin <= blocks - 2;
    }

    public boolean fits(int k, int begin, int end) {
        return stageMemory(begin, end) <= nodes.get(k).usableMemoryBytes();
    }

    /** Seconds for one token's hidden state to go from stage on node i to node j. */
    public double hopSeconds(int i, int j) {
        return links[i][j].oneWaySeconds(request.model().activationBytesPerToken());
    }

    /** Seconds the link i→j is busy per token (what limits throughput). */
    public double hopTransferSeconds(int i, int j) {
        return links[i][j].transferSeconds(request.model().activationBytesPerToken());
    }

    /** Seconds for the sampled token to return from the last stage (node i) to the first (node j). */
    public double returnSeconds(int i, int j) {
        return i == j ? 0 : links[i][j].oneWaySeconds(TOKEN_BYTES);
    }

    /**
     * The pipeline running stage s on node {@code order[s]} over blocks [ends[s-1], ends[s]), or
     * null if a stage does not fit its node's memory.
     */
    public PlacementPlan.Pipeline evaluate(int[] order, int[] ends) {
        if (order.length != ends.length || ends[ends.length - 1] != blocks) {
            throw new IllegalArgumentException(order.length + " nodes, " + ends.length + " stage ends, last end "
                    + ends[ends.length - 1] + " of " + blocks + " blocks");
        }
        List<PlacementPlan.Stage> stages = new ArrayList<>();
        double latency = 0;
        double bottleneck = 0;
        int layers = blocks - 2;
        for (int s = 0, begin = 0; s < order.length; begin = ends[s], s++) {
            int k = order[s];
            int end = ends[s];
            if (end <= begin || !fits(k, begin, end)) {
                return null;
            }
            double seconds = stageSeconds(k, begin, end);
            latency += seconds;
            bottleneck = Math.max(bottleneck, seconds);
            if (s > 0) {
                latency += hopSeconds(order[s - 1], k);
                bottleneck = Math.max(bottleneck, hopTransferSeconds(order[s - 1], k));
            }
            stages.add(new PlacementPlan.Stage(nodes.get(k).nodeId(), Math.clamp(begin - 1, 0, layers),
                    Math.clamp(end - 1, 0, layers), begin == 0, end == blocks, stageMemory(begin, end), seconds));
        }
        latency += returnSeconds(order[order.length - 1], order[0]);
        return new PlacementPlan.Pipeline(stages, latency, 1 / bottleneck);
    }
}
