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
 * lowest-numbered live worker.
 */
final class ProcessRegroup {

    private final List<Process> processes;
    private final TrainListener progress;
    private final TreeSet<Integer> members = new TreeSet<>();
    private final TreeSet<Integer> dead = new TreeSet<>();
    private final Map<Integer, Integer> registered = new TreeMap<>();

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
        maybeForm();
    }

    synchronized void register(int worker, int port) {
        registered.put(worker, port);
        maybeForm();
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
