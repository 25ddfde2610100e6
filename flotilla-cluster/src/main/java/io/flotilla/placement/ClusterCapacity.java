package io.flotilla.placement;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The nodes and the links between them. A link missing from {@code links} (in either direction)
 * is taken to be {@code defaultLink}.
 */
public record ClusterCapacity(List<NodeCapacity> nodes, Map<String, Map<String, LinkStats>> links,
                              LinkStats defaultLink) {
    public ClusterCapacity {
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(defaultLink, "defaultLink");
        Map<String, Map<String, LinkStats>> copy = new HashMap<>();
        links.forEach((from, row) -> copy.put(from, Map.copyOf(row)));
        links = Map.copyOf(copy);
        Set<String> ids = new HashSet<>();
        for (NodeCapacity node : nodes) {
            if (!ids.add(node.nodeId())) {
                throw new IllegalArgumentException("node id " + node.nodeId() + " appears twice");
            }
        }
    }

    /** All links the same. */
    public static ClusterCapacity uniform(List<NodeCapacity> nodes, LinkStats link) {
        return new ClusterCapacity(nodes, Map.of(), link);
    }

    public LinkStats link(String from, String to) {
        LinkStats forward = links.getOrDefault(from, Map.of()).get(to);
        if (forward != null) {
            return forward;
        }
        return links.getOrDefault(to, Map.of()).getOrDefault(from, defaultLink);
    }
}
