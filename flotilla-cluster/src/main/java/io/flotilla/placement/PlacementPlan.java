package io.flotilla.placement;

import java.util.List;

/**
 * Where the model runs: one or more pipelines (replicas), each an ordered list of stages.
 *
 * @param secondsPerToken predicted time for one token of one stream (the slowest replica)
 * @param tokensPerSecond predicted steady-state total with micro-batches filling every pipeline
 */
public record PlacementPlan(PlacementObjective objective, List<Pipeline> replicas, double secondsPerToken,
                            double tokensPerSecond) {
    public PlacementPlan {
        replicas = List.copyOf(replicas);
    }

    /** What the objective minimizes: seconds per token (latency) or seconds per token overall (throughput). */
    public double cost() {
        return objective == PlacementObjective.LATENCY ? secondsPerToken : 1 / tokensPerSecond;
    }

    /**
     * One pipeline.
     *
     * @param secondsPerToken stages plus hops, including the sampled token's way back to the first stage
     * @param tokensPerSecond one over the slowest stage or hop
     */
    public record Pipeline(List<Stage> stages, double secondsPerToken, double tokensPerSecond) {
        public Pipeline {
            stages = List.copyOf(stages);
        }
    }

    /**
     * One node's share: transformer layers {@code [firstLayer, lastLayer)}; the first stage also
     * embeds, the last also norms and projects to logits (a stage may hold only those).
     */
    public record Stage(String nodeId, int firstLayer, int lastLayer, boolean embeds, boolean projects,
                        long memoryBytes, double secondsPerToken) {
    }
}
