package io.flotilla.train.dist;

import io.flotilla.collective.CollectiveConfig;
import io.flotilla.collective.RingCollective;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.data.Corpus;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The program of one worker process that {@link WorkerLauncher} starts. It speaks a line protocol
 * with its parent: it prints {@code LISTEN port}, reads {@code PEERS host:port,...} (every worker's
 * address, in rank order), trains, and prints {@code PROGRESS ...} and {@code ROUND ...} lines and one
 * {@code RESULT ...} line; on failure {@code ERROR reason} and exit status 1. The cluster token
 * comes in the environment variable {@value #TOKEN_ENV}, never on the command line.
 */
public final class TrainWorker {

    public static final String TOKEN_ENV = "FLOTILLA_CLUSTER_TOKEN";

    private TrainWorker() {}

    /** Arguments: {@code rank=R workers=K [join=true]} and every component of TrainConfig and DistributedConfig as name=value. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        try {
            Map<String, String> values = new HashMap<>();
            for (String a : args) {
                int eq = a.indexOf('=');
                values.put(a.substring(0, eq), a.substring(eq + 1));
            }
            int rank = Integer.parseInt(values.get("rank"));
            int workers = Integer.parseInt(values.get("workers"));
            TrainConfig config = RecordArgs.decode(TrainConfig.class, values);
            DistributedConfig dist = RecordArgs.decode(DistributedConfig.class, values);
            String token = System.getenv(TOKEN_ENV);
            if (token == null) {
                throw new IllegalArgumentException("no cluster token in " + TOKEN_ENV);
            }
            boolean join = Boolean.parseBoolean(values.getOrDefault("join", "false"));
            DistributedStats stats = run(rank, workers, join, config, dist, ClusterToken.of(token), out);
            out.println("RESULT " + String.join(" ", RecordArgs.encode(stats.bytes())) + " " + String.format(
                    Locale.ROOT, "valLoss=%s tokensPerSecond=%s steps=%d syncs=%d hash=%s", stats.valLoss(),
                    stats.trainTokensPerSecond(), stats.steps(), stats.syncs(), stats.parametersHash()));
            out.flush();
            System.exit(0);
        } catch (Exception | Error e) {
            out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            out.flush();
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static DistributedStats run(int rank, int workers, boolean join, TrainConfig config,
                                        DistributedConfig dist, ClusterToken token, PrintStream out) throws IOException {
        Corpus corpus = Corpus.load(config.data(), config.tokenizer());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        CollectiveConfig collective = CollectiveConfig.defaults().withDeadline(dist.deadline());
        try (LauncherRegroup regroup = new LauncherRegroup(rank, token, collective, in, out)) {
            if (join) { // a restarted worker: admitted at a round boundary, it receives the state first
                return new DistributedTrainer(config, dist, corpus, null, progress(out)).withHook(admissions())
                        .withRegroup(regroup).joining(rank, workers).run();
            }
            try (TcpTransport transport = new TcpTransport(
                    TransportConfig.loopback("worker-" + rank, "flotilla-train", token))) {
                transport.start();
                out.println("LISTEN " + transport.localAddress().getPort());
                out.flush();
                String line = in.readLine();
                if (line == null || !line.startsWith("PEERS ")) {
                    throw new IOException("expected PEERS from the launcher, got " + line);
                }
                try (RingCollective ring = RingCollective.join(transport, rank,
                        LauncherRegroup.addresses(line.substring(6)), collective)) {
                    DistributedTrainer trainer = new DistributedTrainer(config, dist, corpus, ring, progress(out))
                            .withHook(admissions());
                    if (dist.mode() != DistributedConfig.Mode.DDP) {
                        trainer.withRegroup(regroup);
                    }
                    return trainer.run();
                }
            }
        }
    }

    /** Writes each state transfer's hashes to standard error (the worker's log): {@code ADMITTED step joiner hashes}. */
    private static DistributedTrainer.StepHook admissions() {
        return new DistributedTrainer.StepHook() {
            @Override
            public void afterStep(long step, float[] params) {}

            @Override
            public void admitted(long step, boolean joiner, List<String> stateHashes) {
                System.err.println("ADMITTED " + step + " " + joiner + " " + String.join(",", stateHashes));
                System.err.flush();
            }
        };
    }

    private static TrainListener progress(PrintStream out) {
        return new RoundListener() {
            @Override
            public void onStep(TrainProgress p) {
                out.println(String.format(Locale.ROOT, "PROGRESS %d %d %.5f %.1f %d", p.step(), p.totalSteps(),
                        p.loss(), p.tokensPerSecond(), p.eta().toMillis()));
                out.flush();
            }

            @Override
            public void onRound(RoundStats r) {
                out.println(String.format(Locale.ROOT, "ROUND %d %d %d %b %s", r.round(), r.clients(), r.dropped(),
                        r.aborted(), r.epsilon()));
                out.flush();
            }
        };
    }
}
