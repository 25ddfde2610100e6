package io.flotilla.pipeline;

import java.util.List;

/**
 * What {@code flotilla cluster status} shows: the current plan and every node the coordinator has
 * heard of.
 *
 * @param planVersion the latest plan that went live: 0 before the first, grows with every re-plan
 * @param stages      the serving pipeline in order (the first replica; empty while re-planning)
 * @param problem     why there is no plan (too few nodes, placement refused), or null
 * @param replicas    every serving pipeline's stages in order (one entry per replica)
 * @param links       measured links: the coordinator's to each node, and the nodes' to each other
 */
public record ClusterStatus(long planVersion, String objective, String modelVersion, List<Node> nodes,
                            List<String> stages, String problem, List<List<String>> replicas, List<Link> links) {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
        stages = List.copyOf(stages);
        replicas = replicas == null ? List.of() : replicas.stream().map(List::copyOf).toList();
        links = links == null ? List.of() : List.copyOf(links);
    }

    /** A status without replicas or links (one pipeline, nothing measured). */
    public ClusterStatus(long planVersion, String objective, String modelVersion, List<Node> nodes,
                         List<String> stages, String problem) {
        this(planVersion, objective, modelVersion, nodes, stages, problem, stages.isEmpty() ? List.of()
                : List.of(stages), List.of());
    }

    /** One measured link: round-trip time and one-way bandwidth from {@code from} to {@code to}. */
    public record Link(String from, String to, double rttSeconds, double bytesPerSecond) {
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
