package io.flotilla.pipeline;

import io.flotilla.wire.Message;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How a coordinator numbers its plans: each one after every plan number it knows of, its own node's
 * (the one it was started after), its own plans', and the one in every {@link Message.NodeReport}
 * received (a node reports the highest number it has seen, a coordinator its latest plan). So plan
 * numbers strictly increase across a coordinator fail-over, whichever node takes over. Before its first
 * plan the coordinator waits for the reports of the members in the view, until a deadline: a member
 * that never reports (e.g. one of another protocol version) does not hold it back for ever. Not
 * thread-safe: the coordinator's control thread owns it.
 */
final class PlanNumbers {
    private final Set<String> heard = new HashSet<>();
    private final long waitUntilNanos;
    private long highest;
    private boolean numbered;

    /**
     * @param after          the highest plan number known at start (0: none)
     * @param waitUntilNanos {@link System#nanoTime()} after which the first plan waits for no report
     */
    PlanNumbers(long after, long waitUntilNanos) {
        if (after < 0) {
            throw new IllegalArgumentException("plan numbers start after a number >= 0, got " + after);
        }
        this.highest = after;
        this.waitUntilNanos = waitUntilNanos;
    }

    /** Takes the plan number a member reports; true when it is above every number known so far. */
    boolean heard(Message.NodeReport report) {
        heard.add(report.nodeId());
        if (report.planVersion() <= highest) {
            return false;
        }
        highest = report.planVersion();
        return true;
    }

    /** The members among {@code members} (but {@code self}) whose report has not come yet. */
    List<String> silent(Collection<String> members, String self) {
        return members.stream().filter(m -> !m.equals(self) && !heard.contains(m)).toList();
    }

    /**
     * Nanoseconds the first plan should still wait for {@code silent} members at {@code nowNanos}: 0
     * once a plan is numbered, when none is silent, or after the deadline.
     */
    long waitNanos(List<String> silent, long nowNanos) {
        return numbered || silent.isEmpty() ? 0 : Math.max(0, waitUntilNanos - nowNanos);
    }

    /** The number of a new plan: one above every number known. */
    long next() {
        numbered = true;
        return ++highest;
    }

    /** Whether a plan was numbered. */
    boolean numbered() {
        return numbered;
    }

    /** The highest plan number known: the latest plan's, or a higher one reported since. */
    long highest() {
        return highest;
    }
}
