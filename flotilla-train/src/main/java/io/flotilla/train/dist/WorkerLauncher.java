package io.flotilla.train.dist;

import io.flotilla.collective.CollectiveStats;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.transport.ClusterToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts K {@link TrainWorker} processes on this machine (the same java and class path, one
 * compute thread and a serial GC each, listening on 127.0.0.1, a fresh random cluster token in
 * their environment), hands them each other's addresses, relays rank 0's progress and collects
 * every worker's result. A worker that fails ends the run: the others are killed and the failure
 * is thrown, naming the worker and its log ({@code OUT/worker-R.log}, its standard error).
 */
public final class WorkerLauncher {

    private static final Duration STARTUP = Duration.ofMinutes(3);

    private WorkerLauncher() {}

    public static List<DistributedStats> run(TrainConfig config, DistributedConfig dist, int workers,
                                             TrainListener rank0) throws IOException {
        return run(config, dist, workers, rank0, started -> { });
    }

    /**
     * As {@link #run}; with {@code restartFailed} (DiLoCo/FedAvg) a worker process that dies is
     * started again once and rejoins the group at the next round boundary.
     */
    public static List<DistributedStats> run(TrainConfig config, DistributedConfig dist, int workers,
                                             TrainListener rank0, boolean restartFailed) throws IOException {
        java.util.Set<Integer> restart = new java.util.TreeSet<>();
        for (int r = 0; restartFailed && r < workers; r++) {
            restart.add(r);
        }
        return run(config, dist, workers, rank0, started -> { }, restart);
    }

    /** As {@link #run}, handing the started worker processes to {@code onStart} (fault injection in tests). */
    static List<DistributedStats> run(TrainConfig config, DistributedConfig dist, int workers, TrainListener rank0,
                                      java.util.function.Consumer<List<Process>> onStart) throws IOException {
        return run(config, dist, workers, rank0, onStart, java.util.Set.of());
    }

    /**
     * As {@link #run}; each worker of {@code restart} whose process dies is started again once
     * (DiLoCo/FedAvg): it joins the group at the next round boundary and verifies the state it
     * receives by hash before it trains (its log: {@code OUT/worker-R-restart.log}).
     */
    static List<DistributedStats> run(TrainConfig config, DistributedConfig dist, int workers, TrainListener rank0,
                                      java.util.function.Consumer<List<Process>> onStart,
                                      java.util.Set<Integer> restart) throws IOException {
        Files.createDirectories(config.outDir());
        String token = ClusterToken.random(new SecureRandom()).encoded();
        List<Process> processes = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            for (int r = 0; r < workers; r++) {
                processes.add(start(r, workers, config, dist, token, false));
            }
            onStart.accept(List.copyOf(processes));
            List<BufferedReader> outputs = new ArrayList<>();
            List<String> peers = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(processes.get(r).getInputStream(),
                        StandardCharsets.UTF_8));
                outputs.add(reader);
                peers.add("127.0.0.1:" + awaitListen(reader, r, config.outDir()));
            }
            byte[] line = ("PEERS " + String.join(",", peers) + "\n").getBytes(StandardCharsets.UTF_8);
            for (Process p : processes) {
                OutputStream in = p.getOutputStream();
                in.write(line);
                in.flush();
            }
            boolean elastic = dist.mode() != DistributedConfig.Mode.DDP;
            ProcessRegroup regroup = new ProcessRegroup(processes, rank0);
            List<CompletableFuture<DistributedStats>> results = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                results.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return follow(outputs.get(rank), rank, regroup, config.outDir());
                    } catch (RuntimeException e) {
                        if (!elastic || !restart.contains(rank)) {
                            throw e;
                        }
                        regroup.dead(rank);
                        return followRestarted(rank, workers, config, dist, token, regroup);
                    } finally {
                        regroup.dead(rank);
                    }
                }, Thread::startVirtualThread));
            }
            return awaitAll(results, elastic);
        } finally {
            processes.forEach(p -> p.destroyForcibly());
        }
    }

    /** Starts worker {@code rank} again as a joiner and follows it to its result. */
    private static DistributedStats followRestarted(int rank, int workers, TrainConfig config, DistributedConfig dist,
                                                    String token, ProcessRegroup regroup) {
        try {
            regroup.restarting(rank);
            Process p = start(rank, workers, config, dist, token, true);
            regroup.replace(rank, p); // in the launcher's list too, so its clean-up stops it
            // members pause at their next round boundary for it: bound that wait
            CompletableFuture.delayedExecutor(STARTUP.toSeconds(), TimeUnit.SECONDS).execute(() -> {
                if (regroup.stillRestarting(rank)) {
                    p.destroyForcibly();
                }
            });
            return follow(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), rank,
                    regroup, config.outDir());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not restart worker " + rank, e);
        }
    }

    private static Process start(int rank, int workers, TrainConfig config, DistributedConfig dist, String token,
                                 boolean join) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"),
                "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-XX:ActiveProcessorCount=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                TrainWorker.class.getName(), "rank=" + rank, "workers=" + workers, "join=" + join));
        cmd.addAll(RecordArgs.encode(config));
        cmd.addAll(RecordArgs.encode(dist));
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .redirectError(config.outDir().resolve("worker-" + rank + (join ? "-restart" : "") + ".log").toFile());
        builder.environment().put(TrainWorker.TOKEN_ENV, token);
        return builder.start();
    }

    private static int awaitListen(BufferedReader reader, int rank, Path out) throws IOException {
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (line.startsWith("LISTEN ")) {
                        return Integer.parseInt(line.substring(7).trim());
                    }
                    if (line.startsWith("ERROR ")) {
                        throw new IllegalStateException(line.substring(6));
                    }
                }
                throw new IllegalStateException("exited before listening");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        try {
            return port.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("worker " + rank + " did not start listening within " + STARTUP + "; see "
                    + out.resolve("worker-" + rank + ".log"));
        } catch (ExecutionException e) {
            throw new IOException("worker " + rank + " failed to start: " + e.getCause().getMessage() + "; "
                    + logTail(out, rank), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while starting workers");
        }
    }

    /** Reads a worker's lines to its RESULT; progress and regroup requests go to {@code regroup}. */
    private static DistributedStats follow(BufferedReader reader, int rank, ProcessRegroup regroup, Path out) {
        try {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("REGROUP ")) {
                    regroup.register(rank, Integer.parseInt(line.substring(8).trim()));
                } else if (line.startsWith("ADMIT ")) {
                    regroup.admit(rank, Integer.parseInt(line.substring(6).trim()));
                } else if (line.startsWith("JOIN ")) {
                    regroup.join(rank, Integer.parseInt(line.substring(5).trim()));
                } else if (line.equals("PENDING?")) {
                    regroup.pending(rank);
                } else if (line.startsWith("PROGRESS ") && regroup.reportsProgress(rank)) {
                    String[] f = line.split(" ");
                    regroup.progress().onStep(new TrainProgress(Long.parseLong(f[1]), Long.parseLong(f[2]),
                            Double.parseDouble(f[3]), 0f, 0, Double.parseDouble(f[4]),
                            Duration.ofMillis(Long.parseLong(f[5]))));
                } else if (line.startsWith("ROUND ") && regroup.reportsProgress(rank)) {
                    String[] f = line.split(" ");
                    RoundListener.notify(regroup.progress(), new RoundStats(Long.parseLong(f[1]),
                            Integer.parseInt(f[2]), Integer.parseInt(f[3]), Boolean.parseBoolean(f[4]),
                            Double.parseDouble(f[5])));
                } else if (line.startsWith("RESULT ")) {
                    return parseResult(rank, line.substring(7));
                } else if (line.startsWith("ERROR ")) {
                    throw new IllegalStateException("worker " + rank + " failed: " + line.substring(6) + "; see "
                            + out.resolve("worker-" + rank + ".log"));
                }
            }
            throw new IllegalStateException("worker " + rank + " exited without a result; " + logTail(out, rank));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The end of a worker's log, for error messages. */
    private static String logTail(Path out, int rank) {
        Path log = out.resolve("worker-" + rank + ".log");
        try {
            List<String> lines = Files.readAllLines(log);
            return log + " ends: " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size()));
        } catch (IOException e) {
            return "see " + log;
        }
    }

    static DistributedStats parseResult(int rank, String text) {
        Map<String, String> v = new HashMap<>();
        for (String kv : text.trim().split(" ")) {
            int eq = kv.indexOf('=');
            v.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return new DistributedStats(rank, Double.parseDouble(v.get("valLoss")),
                Double.parseDouble(v.get("tokensPerSecond")), Long.parseLong(v.get("steps")),
                Long.parseLong(v.get("syncs")), RecordArgs.decode(CollectiveStats.class, v), v.get("hash"));
    }

    /**
     * Every worker's stats by rank, or one exception listing every worker that failed (the first
     * is usually the cause); an elastic run only fails if no worker finished.
     */
    private static List<DistributedStats> awaitAll(List<CompletableFuture<DistributedStats>> results, boolean elastic)
            throws IOException {
        List<DistributedStats> stats = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Throwable first = null;
        for (CompletableFuture<DistributedStats> f : results) {
            try {
                stats.add(f.get());
            } catch (ExecutionException e) {
                failures.add(e.getCause().getMessage());
                first = first == null ? e.getCause() : first;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while training");
            }
        }
        if (!failures.isEmpty() && (!elastic || stats.isEmpty())) {
            throw new IOException(String.join("; ", failures), first);
        }
        stats.sort(java.util.Comparator.comparingInt(DistributedStats::rank));
        return stats;
    }
}
