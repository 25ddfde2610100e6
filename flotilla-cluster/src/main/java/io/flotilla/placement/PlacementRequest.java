package io.flotilla.placement;

import java.util.Objects;

/**
 * Input of the planner.
 *
 * @param kvTokensPerReplica tokens of KV cache each pipeline reserves (context × concurrent sequences)
 */
public record PlacementRequest(ModelSpec model, ClusterCapacity cluster, PlacementObjective objective,
                               long kvTokensPerReplica) {
    public PlacementRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(objective, "objective");
        if (kvTokensPerReplica < 0) {
            throw new IllegalArgumentException("kvTokensPerReplica must be >= 0, got " + kvTokensPerReplica);
        }
    }
}
