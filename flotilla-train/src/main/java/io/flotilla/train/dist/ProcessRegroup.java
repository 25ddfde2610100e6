package io.flotilla.train.dist;

import io.flotilla.train.TrainListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The launcher's side of an elastic run: worker processes that end are dead; survivors of a
 * failed round announce a fresh port ({@code REGROUP port}); once every worker of the last group
 * has announced or died, each survivor is told its new rank and everyone's address
 * ({@code REGROUPED rank host:port,...}, ranks in the old order). Progress is relayed from the
 * lowest-numbered live worker. A restarted worker ({@link #restarting}, then {@link #replace})
 * announces {@code JOIN port} and waits; members ask {@code PENDING?} at round boundaries, and
 * once one is starting or waiting they all announce {@code ADMIT port}: the group is formed when
 * every restarting worker has joined or died, and includes the joiners. So the members pause at
 * most one round boundary for a worker that is starting again, instead of racing it to the end.
 */
final class ProcessRegroup {

    private final List<Process> processes;
    private final TrainListener progress;
    private final TreeSet<Integer> members = new TreeSet<>();
    private final TreeSet<Integer> dead = new TreeSet<>();
    private final Map<Integer, Integer> registered = new TreeMap<>();
    private final Map<Integer, Integer> joiners = new TreeMap<>();
    private final TreeSet<Integer> restarting = new TreeSet<>();
    private boolean admitting;

    ProcessRegroup(List<Process> processes, TrainListener progress) {
        this.processes = processes;
        this.progress = progress;
        for (int w = 0; w < processes.size(); w++) {
            members.add(w);
        }
    }

    TrainListener progress() {
        return progress;
    }

    synchronized boolean reportsProgress(int worker) {
        for (int w = 0; w < processes.size(); w++) {
            if (!dead.contains(w)) {
                return w == worker;
            }
        }
        return false;
    }

    synchronized void dead(int worker) {
        dead.add(worker);
        restarting.remove(worker); // if it was starting again, that failed
        maybeForm();
        abandonJoinersIfNobodyAdmits();
    }

    synchronized void register(int worker, int port) {
        registered.put(worker, port);
        maybeForm();
    }

    /** A member announces its port to admit the waiting joiners. */
    synchronized void admit(int worker, int port) {
        admitting = true;
        register(worker, port);
    }

    /** A restarted worker waits to be admitted. */
    synchronized void join(int worker, int port) {
        restarting.remove(worker);
        joiners.put(worker, port);
        abandonJoinersIfNobodyAdmits();
        maybeForm();
    }

    /** Worker {@code worker} is being started again: members admit it at their next round boundary. */
    synchronized void restarting(int worker) {
        restarting.add(worker);
    }

    /** Whether {@code worker} was started again and has not yet announced {@code JOIN} (nor died). */
    synchronized boolean stillRestarting(int worker) {
        return restarting.contains(worker);
    }

    /**
     * Once every worker of the group has ended (failed or finished), nobody will ask
     * {@code PENDING?} again: waiting joiners are told so instead of waiting for ever.
     */
    private void abandonJoinersIfNobodyAdmits() {
        if (joiners.isEmpty() || !dead.containsAll(members)) {
            return;
        }
        for (int j : joiners.keySet()) {
            tell(j, "ABORTED no worker of the group is left to admit worker " + j + "\n");
        }
        joiners.clear();
    }

    /** Answers a member's {@code PENDING?}. */
    synchronized void pending(int worker) {
        tell(worker, "PENDING " + (joiners.isEmpty() && restarting.isEmpty() ? 0 : 1) + "\n");
    }

    /** Worker {@code worker} runs again as {@code process} (it will announce {@code JOIN}). */
    synchronized void replace(int worker, Process process) {
        processes.set(worker, process);
    }

    private void maybeForm() {
        if (registered.isEmpty()) {
            return;
        }
        for (int m : members) {
            if (!registered.containsKey(m) && !dead.contains(m)) {
                return;
            }
        }
        if (admitting && !restarting.isEmpty()) {
            return; // a worker starting again joins this group: wait for its JOIN (or its death)
        }
        if (admitting) {
            registered.putAll(joiners);
            joiners.clear();
            admitting = false;
        }
        dead.removeAll(registered.keySet()); // a restarted worker is alive again
        List<String> addresses = new ArrayList<>();
        registered.values().forEach(port -> addresses.add("127.0.0.1:" + port));
        int rank = 0;
        for (int w : registered.keySet()) {
            tell(w, "REGROUPED " + rank++ + " " + String.join(",", addresses) + "\n");
        }
        members.clear();
        members.addAll(registered.keySet());
        registered.clear();
    }

    private void tell(int worker, String line) {
        try {
            OutputStream in = processes.get(worker).getOutputStream();
            in.write(line.getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not reach worker " + worker + " to regroup", e);
        }
    }
}
