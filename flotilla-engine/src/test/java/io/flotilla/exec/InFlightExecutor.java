package io.flotilla.exec;

import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link ScriptedExecutor} that keeps up to {@code depth} steps in flight, as a pipeline of
 * {@code depth} stages does: {@link #submit} queues a step, {@link #awaitOldest} runs the oldest.
 * It checks the engine's side of the contract as it goes: steps in flight never share a sequence,
 * a preempted request is never in flight, and outputs come back in submission order. It can fail
 * the n-th await (a pipeline that cannot recover).
 */
public final class InFlightExecutor implements Executor {
    public final ScriptedExecutor script;
    public final List<String> violations = new ArrayList<>();
    public int maxInFlightSeen;
    private final int depth;
    private final ArrayDeque<SchedulerOutput> inFlight = new ArrayDeque<>();
    private int awaits;
    private int failAt = -1;

    public InFlightExecutor(ScriptedExecutor script, int depth) {
        this.script = script;
        this.depth = depth;
    }

    /** The {@code n}-th call of {@link #awaitOldest} (0-based) throws. */
    public InFlightExecutor failingAwait(int n) {
        this.failAt = n;
        return this;
    }

    @Override
    public int maxStepsInFlight() {
        return depth;
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        checkPreempted(step);
        if (!step.isEmpty() && !inFlight.isEmpty()) {
            violations.add("step " + step.step() + " executed with " + inFlight.size() + " in flight");
        }
        return script.execute(step);
    }

    @Override
    public void submit(SchedulerOutput step) {
        checkPreempted(step);
        if (step.isEmpty() || inFlight.size() >= depth) {
            violations.add("submit of step " + step.step() + " (" + step.sequences().size() + " sequences) with "
                    + inFlight.size() + " in flight");
        }
        Set<String> busy = inFlightIds();
        for (ScheduledSequence seq : step.sequences()) {
            if (busy.contains(seq.requestId())) {
                violations.add("request " + seq.requestId() + " in two steps in flight (step " + step.step() + ")");
            }
        }
        inFlight.add(step);
        maxInFlightSeen = Math.max(maxInFlightSeen, inFlight.size());
    }

    @Override
    public ModelRunnerOutput awaitOldest() {
        SchedulerOutput oldest = inFlight.poll();
        if (oldest == null) {
            throw new IllegalStateException("no step in flight");
        }
        if (awaits++ == failAt) {
            inFlight.clear();
            throw new IllegalStateException("scripted failure of step " + oldest.step());
        }
        return script.execute(oldest);
    }

    private void checkPreempted(SchedulerOutput step) {
        Set<String> busy = inFlightIds();
        for (String id : step.preemptedRequestIds()) {
            if (busy.contains(id)) {
                violations.add("request " + id + " preempted while in flight (step " + step.step() + ")");
            }
        }
    }

    private Set<String> inFlightIds() {
        Set<String> ids = new HashSet<>();
        inFlight.forEach(s -> s.sequences().forEach(seq -> ids.add(seq.requestId())));
        return ids;
    }
}
