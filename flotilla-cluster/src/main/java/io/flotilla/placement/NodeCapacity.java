package io.flotilla.placement;

import java.util.Map;
import java.util.Objects;

/**
 * What a node measured about itself.
 *
 * @param usableMemoryBytes      memory it may fill with weights and KV cache
 * @param memoryBytesPerSecond   streaming read bandwidth
 * @param flopsPerSecond         matmul speed per weight format name (see {@link LayerSpec#weightType()})
 */
public record NodeCapacity(String nodeId, long usableMemoryBytes, double memoryBytesPerSecond,
                           Map<String, Double> flopsPerSecond) {
    public NodeCapacity {
        Objects.requireNonNull(nodeId, "nodeId");
        flopsPerSecond = Map.copyOf(flopsPerSecond);
        if (usableMemoryBytes < 0 || memoryBytesPerSecond <= 0) {
            throw new IllegalArgumentException("node " + nodeId + ": memory must be >= 0 and bandwidth > 0, got "
                    + usableMemoryBytes + " B and " + memoryBytesPerSecond + " B/s");
        }
    }

    /** Matmul speed for a weight format. */
    public double flopsPerSecond(String weightType) {
        Double speed = flopsPerSecond.get(weightType);
        if (speed == null || speed <= 0) {
            throw new IllegalArgumentException("node " + nodeId + " has no matmul speed for weight type "
                    + weightType + "; measured: " + flopsPerSecond.keySet());
        }
        return speed;
    }
}
