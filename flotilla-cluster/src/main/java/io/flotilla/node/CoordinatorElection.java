package io.flotilla.node;

import io.flotilla.wire.Message;
import java.util.List;
import java.util.Map;

/**
 * Who coordinates when the coordinator is gone: the first candidate (a node that reported an API
 * port) in the group's view order, which JGroups keeps as join order, so the oldest candidate alive.
 * A member ahead of a candidate blocks it while that member is a coordinator (its report has no
 * threads), an older candidate, or not yet known (no report received): every member computes the
 * same answer once the reports are in, so no two candidates take over at once.
 */
public final class CoordinatorElection {
    private CoordinatorElection() {
    }

    /**
     * Whether {@code self} should coordinate, given the view's {@code members} in order and the
     * reports received from them (keyed by node id; {@code self}'s own among them or not).
     */
    public static boolean isElected(String self, List<String> members, Map<String, Message.NodeReport> reports) {
        for (String member : members) {
            if (member.equals(self)) {
                return true;
            }
            Message.NodeReport report = reports.get(member);
            if (report == null || report.threads() == 0 || report.apiPort() > 0) {
                return false; // unknown yet, a live coordinator, or an older candidate
            }
        }
        return false; // not in this view
    }
}
