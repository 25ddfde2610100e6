package io.flotilla.pipeline;

import java.util.List;

/**
 * What {@code flotilla cluster status} shows: the current plan and every node the coordinator has
 * heard of.
 *
 * @param planVersion the latest plan that went live: 0 before the first, grows with every re-plan
 * @param stages      the serving pipeline in order (empty while re-planning)
 * @param problem     why there is no plan (too few nodes, placement refused), or null
 */
public record ClusterStatus(long planVersion, String objective, String modelVersion, List<Node> nodes,
                            List<String> stages, String problem) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
        stages = List.copyOf(stages);
    }

    /**
     * @param layers  {@code [first, last + 1)} of the node's range in the current plan, or empty
     * @param refused why the coordinator will not use the node (e.g. another model version), or null
     * @param api     {@code http://HOST:PORT} where the node serves the API if it becomes coordinator
     *                (a candidate, {@code flotilla node --api-port}), or null
     */
    public record Node(String id, long pid, String address, boolean alive, List<Integer> layers, Capacity capacity,
                       String refused, String api) {
        public Node {
            layers = List.copyOf(layers);
        }
    }

    /** What the node measured about itself. */
    public record Capacity(int threads, long usableMemoryBytes, double memoryBytesPerSecond, double flopsPerSecond) {
    }
}
