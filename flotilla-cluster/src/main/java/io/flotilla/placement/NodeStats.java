package io.flotilla.placement;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link NodeProbe} measured on this machine.
 *
 * @param usableMemoryBytes    memory available for weights and KV cache, after a safety margin
 * @param memoryBytesPerSecond best streaming read over an array larger than the caches
 * @param f32FlopsPerSecond    best plain float dot-product speed (one thread)
 */
public record NodeStats(long usableMemoryBytes, double memoryBytesPerSecond, double f32FlopsPerSecond) {

    /**
     * The capacity the planner takes. Until per-format kernels are measured, every weight format
     * is given the float dot-product speed.
     */
    public NodeCapacity toCapacity(String nodeId, Collection<String> weightTypes) {
        Map<String, Double> flops = new LinkedHashMap<>();
        for (String type : weightTypes) {
            flops.put(type, f32FlopsPerSecond);
        }
        return new NodeCapacity(nodeId, usableMemoryBytes, memoryBytesPerSecond, flops);
    }
}
