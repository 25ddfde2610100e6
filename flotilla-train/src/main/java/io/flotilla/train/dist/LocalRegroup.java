package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveConfig;
import io.flotilla.collective.CollectiveException;
import io.flotilla.collective.RingCollective;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The coordinator of an elastic {@link LocalCluster}: workers (by their first rank) that die are
 * reported with {@link #dead}; every survivor of a failed synchronisation calls
 * {@link #regroup}, which waits until each worker of the last group has either re-registered
 * or died, then forms a new ring of the survivors (ranks in the old order) on fresh transports.
 * A worker that (re)starts waits as a joiner until the members admit it at a round boundary: the
 * next group formed by {@code admit} includes it.
 */
final class LocalRegroup {

    private final ClusterToken token;
    private final CollectiveConfig config;
    private final TreeSet<Integer> members = new TreeSet<>();
    private final TreeSet<Integer> deadWorkers = new TreeSet<>();
    private final Map<Integer, InetSocketAddress> registered = new TreeMap<>();
    private final Map<Integer, InetSocketAddress> joiners = new TreeMap<>();
    private final List<TcpTransport> transports = new CopyOnWriteArrayList<>();
    private List<InetSocketAddress> formed;
    private int generation;

    LocalRegroup(int workers, ClusterToken token, CollectiveConfig config) {
        this.token = token;
        this.config = config;
        for (int w = 0; w < workers; w++) {
            members.add(w);
        }
    }

    synchronized void dead(int worker) {
        deadWorkers.add(worker);
        notifyAll();
    }

    /** Worker {@code worker}'s {@link DistributedTrainer.Regroup}. */
    DistributedTrainer.Regroup forWorker(int worker) {
        return new DistributedTrainer.Regroup() {
            @Override
            public Collective regroup(CollectiveException cause) throws IOException {
                return LocalRegroup.this.regroup(worker, cause, false);
            }

            @Override
            public boolean admitsJoiners() {
                return true;
            }

            @Override
            public boolean joinPending() {
                synchronized (LocalRegroup.this) {
                    return !joiners.isEmpty();
                }
            }

            @Override
            public Collective admit() throws IOException {
                return LocalRegroup.this.regroup(worker, null, false);
            }

            @Override
            public Collective join() throws IOException {
                return LocalRegroup.this.regroup(worker, null, true);
            }
        };
    }

    /** Re-forms the group: after {@code cause} (survivors), to admit joiners ({@code cause} null), or as a joiner. */
    private Collective regroup(int worker, CollectiveException cause, boolean joining) throws IOException {
        TcpTransport transport = new TcpTransport(TransportConfig.loopback("worker-" + worker + "-g" + (generation + 1),
                "flotilla-train", token));
        transports.add(transport);
        transport.start();
        List<InetSocketAddress> addresses;
        int rank;
        String why = cause == null ? "admitting joiners" : cause.getMessage();
        synchronized (this) {
            if (joining) { // wait until the members admit this worker at a round boundary
                joiners.put(worker, transport.localAddress());
                notifyAll();
                long deadline = System.nanoTime() + config.deadline().toNanos() * 4;
                while (joiners.containsKey(worker)) {
                    if (deadWorkers.containsAll(members)) {
                        joiners.remove(worker);
                        throw new CollectiveException("no worker of the group is left to admit worker " + worker,
                                false, cause);
                    }
                    awaitUntil(deadline, worker, why, cause);
                }
            } else {
                form(worker, transport, cause, why);
            }
            addresses = formed;
            rank = members.headSet(worker).size();
        }
        if (addresses.size() < 1) {
            throw new CollectiveException("no survivors to regroup", false, cause);
        }
        return RingCollective.join(transport, rank, addresses, config);
    }

    /** Registers a member and, once every member has registered or died, forms the next group. */
    private void form(int worker, TcpTransport transport, CollectiveException cause, String why) throws IOException {
        int myGeneration = generation;
        registered.put(worker, transport.localAddress());
        if (cause == null) {
            registered.putAll(joiners);
        }
        notifyAll();
        long deadline = System.nanoTime() + config.deadline().toNanos();
        while (generation == myGeneration && !everyoneAccountedFor()) {
            awaitUntil(deadline, worker, why, cause);
        }
        if (generation == myGeneration) {
            joiners.keySet().removeAll(registered.keySet());
            deadWorkers.removeAll(registered.keySet()); // a restarted worker is alive again
            formed = new ArrayList<>(registered.values());
            members.clear();
            members.addAll(registered.keySet());
            registered.clear();
            generation++;
            notifyAll();
        }
    }

    private void awaitUntil(long deadline, int worker, String why, CollectiveException cause) throws IOException {
        long wait = (deadline - System.nanoTime()) / 1_000_000;
        if (wait <= 0) {
            throw new CollectiveException("worker " + worker + ": the group did not re-form before the deadline ("
                    + why + ")", true, cause);
        }
        try {
            wait(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while regrouping", false, e);
        }
    }

    private boolean everyoneAccountedFor() {
        for (int m : members) {
            if (!registered.containsKey(m) && !deadWorkers.contains(m)) {
                return false;
            }
        }
        return true;
    }

    void close() {
        transports.forEach(TcpTransport::close);
    }
}
