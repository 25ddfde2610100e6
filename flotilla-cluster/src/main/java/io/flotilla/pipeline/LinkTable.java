package io.flotilla.pipeline;

import io.flotilla.placement.LinkStats;
import io.flotilla.wire.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the coordinator knows about links: its own probes of each node ({@code coordinator → node})
 * and the nodes' probes of each other ({@link Message.LinkReport}). The link the planner uses
 * between two nodes is the one they measured (either direction, the sender's first), or else an
 * estimate from the coordinator's star: the mean of the two RTTs and the lower bandwidth.
 */
final class LinkTable {
    /** Loopback-like link until someone measured: 0.1 ms round trip, 1 GB/s. */
    static final LinkStats DEFAULT_LINK = new LinkStats(1e-4, 1e9);

    private final String coordinatorId;
    private final Map<String, LinkStats> fromCoordinator = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LinkStats>> measured = new ConcurrentHashMap<>();

    LinkTable(String coordinatorId) {
        this.coordinatorId = coordinatorId;
    }

    void putCoordinatorLink(String node, LinkStats stats) {
        fromCoordinator.put(node, stats);
    }

    void removeCoordinatorLink(String node) {
        fromCoordinator.remove(node);
    }

    /** Takes a node's measurement; false when it is not a usable one (a bad report is ignored). */
    boolean put(Message.LinkReport report) {
        if (!(report.rttSeconds() >= 0) || !(report.bytesPerSecond() > 0) || report.fromNode().equals(report.toNode())) {
            return false;
        }
        measured.computeIfAbsent(report.fromNode(), k -> new ConcurrentHashMap<>())
                .put(report.toNode(), new LinkStats(report.rttSeconds(), report.bytesPerSecond()));
        return true;
    }

    /** The measured link {@code from → to} (or {@code to → from}), or null when neither node probed the other. */
    LinkStats measured(String from, String to) {
        LinkStats forward = measured.getOrDefault(from, Map.of()).get(to);
        return forward != null ? forward : measured.getOrDefault(to, Map.of()).get(from);
    }

    /** The link the planner assumes from {@code from} to {@code to}. */
    LinkStats link(String from, String to) {
        LinkStats known = measured(from, to);
        if (known != null) {
            return known;
        }
        LinkStats a = fromCoordinator.getOrDefault(from, DEFAULT_LINK);
        LinkStats b = fromCoordinator.getOrDefault(to, DEFAULT_LINK);
        return new LinkStats((a.rttSeconds() + b.rttSeconds()) / 2, Math.min(a.bytesPerSecond(), b.bytesPerSecond()));
    }

    /** Every measured link among {@code nodes} and from the coordinator to them, sorted by ends. */
    List<ClusterStatus.Link> status(Collection<String> nodes) {
        List<ClusterStatus.Link> links = new ArrayList<>();
        new TreeMap<>(fromCoordinator).forEach((node, stats) -> {
            if (nodes.contains(node)) {
                links.add(new ClusterStatus.Link(coordinatorId, node, stats.rttSeconds(), stats.bytesPerSecond()));
            }
        });
        new TreeMap<>(measured).forEach((from, row) -> new TreeMap<>(row).forEach((to, stats) -> {
            if (nodes.contains(from) && nodes.contains(to)) {
                links.add(new ClusterStatus.Link(from, to, stats.rttSeconds(), stats.bytesPerSecond()));
            }
        }));
        return links;
    }
}
