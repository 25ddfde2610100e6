package io.flotilla.train.dist;

import io.flotilla.collective.CollectiveConfig;
import io.flotilla.collective.RingCollective;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.data.Corpus;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * K workers in this process, one thread each, every one with its own authenticated TCP transport
 * on 127.0.0.1 (random cluster token), joined into a ring: the same code path as workers in
 * separate processes, for tests and benchmarks. If one worker fails, the others fail at their next
 * collective and the first failure is thrown.
 */
public final class LocalCluster {

    /** What the run produced: every worker's stats (by rank) and rank 0's final parameters. */
    public record Result(List<DistributedStats> workers, float[] params) {}

    private LocalCluster() {}

    public static Result run(TrainConfig config, DistributedConfig dist, int workers, Corpus corpus,
                             TrainListener rank0) throws IOException {
        return run(config, dist, workers, corpus, rank0, (rank, step, params) -> { });
    }

    /** Sees every worker's parameters after each DiLoCo outer step (fault injection in tests). */
    interface Hook {
        void afterStep(int rank, long step, float[] params);

        /** After a state transfer to joiners: every worker's state hash by rank ({@code rank} is the first rank). */
        default void admitted(int rank, long step, boolean joiner, List<String> stateHashes) {}

        /** After a round's synchronisation, before joiners are admitted ({@code rank} is the first rank). */
        default void roundEnded(int rank, long step) {}
    }

    static Result run(TrainConfig config, DistributedConfig dist, int workers, Corpus corpus, TrainListener rank0,
                      Hook hook) throws IOException {
        return run(config, dist, workers, corpus, rank0, hook, false, Set.of());
    }

    /**
     * An elastic run (DiLoCo/FedAvg): a worker that dies (its hook or its training throws) is
     * dropped, the survivors regroup and redo the round without it; the result lists the survivors.
     */
    static Result runElastic(TrainConfig config, DistributedConfig dist, int workers, Corpus corpus,
                             TrainListener rank0, Hook hook) throws IOException {
        return run(config, dist, workers, corpus, rank0, hook, true, Set.of());
    }

    /**
     * An elastic run in which each worker of {@code restart} that dies is started again (once, on
     * the same thread): it joins the running group at the next round boundary, receives the
     * state from a peer and verifies it by hash before it trains.
     */
    static Result runElastic(TrainConfig config, DistributedConfig dist, int workers, Corpus corpus,
                             TrainListener rank0, Hook hook, Set<Integer> restart) throws IOException {
        return run(config, dist, workers, corpus, rank0, hook, true, restart);
    }

    private static Result run(TrainConfig config, DistributedConfig dist, int workers, Corpus corpus,
                              TrainListener rank0, Hook hook, boolean elastic, Set<Integer> restart)
            throws IOException {
        ClusterToken token = ClusterToken.random(new SecureRandom());
        List<TcpTransport> transports = new ArrayList<>();
        List<LocalRegroup> closeLater = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().name("train-worker-", 0).factory());
        try {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                TcpTransport t = new TcpTransport(TransportConfig.loopback("worker-" + r, "flotilla-train", token));
                transports.add(t);
                t.start();
                addresses.add(t.localAddress());
            }
            CollectiveConfig collective = CollectiveConfig.defaults().withDeadline(dist.deadline());
            LocalRegroup regroup = new LocalRegroup(workers, token, collective);
            closeLater.add(regroup);
            List<Future<Object[]>> futures = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    RingCollective ring = RingCollective.join(transports.get(rank), rank, addresses, collective);
                    try {
                        return train(new DistributedTrainer(config, dist, corpus, ring,
                                rank == 0 ? rank0 : TrainListener.NONE), rank, hook, elastic ? regroup : null);
                    } catch (IOException | RuntimeException e) {
                        transports.get(rank).close();
                        if (!restart.contains(rank)) {
                            throw e;
                        }
                        return train(new DistributedTrainer(config, dist, corpus, null, TrainListener.NONE)
                                .joining(rank, workers), rank, hook, regroup);
                    } finally {
                        ring.close();
                    }
                }));
            }
            List<DistributedStats> stats = new ArrayList<>();
            float[] params = null;
            IOException first = null;
            for (Future<Object[]> f : futures) {
                try {
                    Object[] done = await(f);
                    stats.add((DistributedStats) done[0]);
                    params = ((DistributedStats) done[0]).rank() == 0 ? (float[]) done[1] : params;
                } catch (IOException | RuntimeException e) {
                    if (!elastic) {
                        throw e;
                    }
                    first = first == null && e instanceof IOException io ? io : first;
                }
            }
            if (stats.isEmpty()) {
                throw first != null ? first : new IOException("every worker failed");
            }
            stats.sort(java.util.Comparator.comparingInt(DistributedStats::rank));
            return new Result(stats, params);
        } finally {
            closeLater.forEach(LocalRegroup::close);
            pool.shutdownNow();
            transports.forEach(TcpTransport::close);
        }
    }

    /** Runs one worker; if it fails, its current ring is closed (so its neighbours fail at once) and it counts as dead. */
    private static Object[] train(DistributedTrainer trainer, int rank, Hook hook, LocalRegroup regroup)
            throws IOException {
        trainer.withHook(new DistributedTrainer.StepHook() {
            @Override
            public void afterStep(long step, float[] params) {
                hook.afterStep(rank, step, params);
            }

            @Override
            public void admitted(long step, boolean joiner, List<String> stateHashes) {
                hook.admitted(rank, step, joiner, stateHashes);
            }

            @Override
            public void roundEnded(long step) {
                hook.roundEnded(rank, step);
            }
        });
        if (regroup != null) {
            trainer.withRegroup(regroup.forWorker(rank));
        }
        try {
            Object[] done = {trainer.run(), trainer.model().params()};
            if (regroup != null) {
                regroup.dead(rank); // finished: it will admit no one any more
            }
            return done;
        } catch (IOException | RuntimeException e) {
            if (trainer.collective() != null) {
                trainer.collective().close();
            }
            if (regroup != null) {
                regroup.dead(rank);
            }
            throw e;
        }
    }

    private static Object[] await(Future<Object[]> f) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the workers");
        }
    }
}
