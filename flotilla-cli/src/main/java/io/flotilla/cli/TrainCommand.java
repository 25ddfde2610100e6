package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.TrainStats;
import io.flotilla.train.Trainer;
import io.flotilla.train.dist.Compression;
import io.flotilla.train.dist.DistributedConfig;
import io.flotilla.train.dist.DistributedStats;
import io.flotilla.train.dist.WorkerLauncher;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla train}: train a small Llama-style model; the checkpoint is a GGUF the engine serves. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a small Llama-style model on a text file. Writes checkpoint.bin, metrics.csv, loss.png and",
                "model.gguf (servable by 'flotilla generate') to --out. Defaults: the char-level reference recipe."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "FILE", description = "UTF-8 text (90% train, 10% validation)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "byte|char|bpe:N", description = "default: ${DEFAULT-VALUE}")
    String tokenizer = "char";

    @Option(names = "--layers", paramLabel = "L", description = "default: ${DEFAULT-VALUE}")
    int layers = 4;

    @Option(names = "--heads", paramLabel = "H", description = "default: ${DEFAULT-VALUE}")
    int heads = 4;

    @Option(names = "--kv-heads", paramLabel = "H", description = "key/value heads (default: as --heads)")
    Integer kvHeads;

    @Option(names = "--dim", paramLabel = "D", description = "default: ${DEFAULT-VALUE}")
    int dim = 128;

    @Option(names = "--ctx", paramLabel = "C", description = "default: ${DEFAULT-VALUE}")
    int ctx = 64;

    @Option(names = "--experts", paramLabel = "E", description = "experts per MoE layer, 0 for dense (default: ${DEFAULT-VALUE})")
    int experts;

    @Option(names = "--experts-used", paramLabel = "K", description = "experts per token (default: ${DEFAULT-VALUE})")
    int expertsUsed = 2;

    @Option(names = "--batch", paramLabel = "B", description = "default: ${DEFAULT-VALUE}")
    int batch = 12;

    @Option(names = "--steps", paramLabel = "S", description = "default: ${DEFAULT-VALUE}")
    int steps = 2000;

    @Option(names = "--lr", paramLabel = "X", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    float lr = 1e-3f;

    @Option(names = "--warmup", paramLabel = "N", description = "warm-up steps (default: ${DEFAULT-VALUE})")
    int warmup = 100;

    @Option(names = "--seed", paramLabel = "S", description = "default: ${DEFAULT-VALUE}")
    long seed = 1337;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int threads = 1;

    @Option(names = "--eval-every", paramLabel = "N", description = "steps between validation passes (default: ${DEFAULT-VALUE})")
    int evalEvery = 500;

    @Option(names = "--out", paramLabel = "DIR", description = "default: ${DEFAULT-VALUE}")
    Path out = Path.of("train-out");

    @Option(names = "--resume", description = "continue from DIR/checkpoint.bin")
    boolean resume;

    @Option(names = "--mode", paramLabel = "single|ddp|diloco|fedavg", description = {"single (default): this process;",
            "ddp: one all-reduce of gradients per step; diloco: --inner-steps local steps, then one all-reduce",
            "of the pseudo-gradient and an outer Nesterov step (lr 0.7, momentum 0.7); fedavg: --inner-steps",
            "local steps on each worker's own contiguous part of the text, then the models are averaged"})
    String mode = "single";

    @Option(names = "--workers", paramLabel = "K", description = {"worker processes on this machine for ddp/diloco,",
            "one thread each, over loopback TCP; --batch is per worker (default: ${DEFAULT-VALUE})"})
    int workers = 1;

    @Option(names = "--compress", paramLabel = "none|bf16|int8|topk:D", description = {"how ddp gradients or diloco",
            "pseudo-gradients travel, with error feedback (default: ${DEFAULT-VALUE}; none = exact fp32)"})
    String compress = "int8";

    @Option(names = "--inner-steps", paramLabel = "H", description = "diloco local steps per round (default: ${DEFAULT-VALUE})")
    int innerSteps = 10;

    @Option(names = "--clients-per-round", paramLabel = "M", description = "fedavg: clients sampled each round, 0 for all (default: ${DEFAULT-VALUE})")
    int clientsPerRound;

    @Option(names = "--secure-aggregation", description = {"fedavg: updates travel under pairwise masks (X25519, AES-CTR),",
            "so the workers learn only their sum; clients that drop out are unmasked by the survivors"})
    boolean secureAggregation;

    @Option(names = "--dp-clip", paramLabel = "C", description = "fedavg: clip each client's update to L2 norm C (default: off)")
    float dpClip;

    @Option(names = "--dp-noise", paramLabel = "Z", description = {"fedavg: Gaussian noise of z*C/m on the mean of m clients;",
            "the epsilon spent (delta 1e-5) is shown per round and as dp_epsilon in --json"})
    float dpNoise;

    @Option(names = "--restart-failed", description = {"diloco/fedavg: a worker process that dies is started again once;",
            "it rejoins at the next round boundary after receiving the state and checking its hash"})
    boolean restartFailed;

    @Option(names = "--json", description = "print one JSON object as the last line: val_loss, train_tokens_per_s, bytes_sent, steps")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!List.of("single", "ddp", "diloco", "fedavg").contains(mode)) {
            throw new IllegalArgumentException("--mode must be single, ddp, diloco or fedavg, got " + mode);
        }
        if (mode.equals("single") && workers != 1) {
            throw new IllegalArgumentException("--workers " + workers + " needs --mode ddp, diloco or fedavg");
        }
        if (!mode.equals("fedavg") && (secureAggregation || dpClip > 0 || dpNoise > 0 || clientsPerRound > 0)) {
            throw new IllegalArgumentException("--secure-aggregation, --dp-clip, --dp-noise and --clients-per-round need "
                    + "--mode fedavg, got --mode " + mode);
        }
        if (restartFailed && !List.of("diloco", "fedavg").contains(mode)) {
            throw new IllegalArgumentException("--restart-failed needs --mode diloco or fedavg, got --mode " + mode);
        }
        if (!Files.isRegularFile(data)) {
            throw new java.nio.file.NoSuchFileException(data.toString());
        }
        TrainConfig config = TrainConfig.reference(data, out)
                .withTokenizer(tokenizer)
                .withModel(layers, heads, kvHeads == null ? heads : kvHeads, dim, ctx)
                .withExperts(experts, experts > 0 ? expertsUsed : 0)
                .withSchedule(batch, steps, lr, warmup, lr / 10)
                .withRun(seed, threads, out, resume);
        config = config.withEval(evalEvery, config.evalWindows(), config.checkpointEvery());
        if (!mode.equals("single")) {
            return distributed(config);
        }
        TrainStats stats;
        try (ProgressBar bar = progressBar()) {
            stats = new Trainer(config, listener(bar)).run();
        }
        PrintStream o = System.out;
        if (json) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("val_loss", stats.valLoss());
            n.put("train_tokens_per_s", Math.round(stats.trainTokensPerSecond() * 10) / 10.0);
            n.put("bytes_sent", 0);
            n.put("steps", stats.steps());
            n.put("tokens", stats.tokens());
            n.put("gguf", out.resolve("model.gguf").toString());
            o.println(n);
        } else {
            o.printf(Locale.ROOT, "validation loss %.4f after %d steps, %.0f tokens/s; model: %s%n", stats.valLoss(),
                    stats.steps(), stats.trainTokensPerSecond(), out.resolve("model.gguf"));
        }
        return 0;
    }

    /** Runs --workers worker processes; the JSON line adds payload bytes, syncs and the surviving workers. */
    private int distributed(TrainConfig config) throws Exception {
        Compression compression = Compression.parse(compress);
        DistributedConfig dist = switch (mode) {
            case "ddp" -> DistributedConfig.ddp(compression);
            case "fedavg" -> DistributedConfig.fedAvg(innerSteps, clientsPerRound, 0f)
                    .withPrivacy(secureAggregation, dpClip, dpNoise);
            default -> DistributedConfig.diloco(innerSteps, compression);
        };
        List<DistributedStats> stats;
        FederatedProgress rounds;
        try (ProgressBar bar = progressBar()) {
            rounds = new FederatedProgress(listener(bar), bar);
            stats = WorkerLauncher.run(config, dist, workers, rounds, restartFailed);
        }
        DistributedStats w0 = stats.get(0);
        double tokensPerSecond = stats.stream().mapToDouble(DistributedStats::trainTokensPerSecond).sum();
        PrintStream o = System.out;
        if (json) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("val_loss", w0.valLoss());
            n.put("train_tokens_per_s", Math.round(tokensPerSecond * 10) / 10.0);
            n.put("bytes_sent", w0.bytes().wireBytes());
            n.put("payload_bytes", w0.bytes().payloadBytes());
            n.put("steps", w0.steps());
            n.put("syncs", w0.syncs());
            n.put("workers", workers);
            n.put("workers_finished", stats.size());
            n.put("mode", mode);
            n.put("compress", dist.compression().toString());
            n.put("parameters_hash", w0.parametersHash());
            if (dist.privateRounds()) {
                n.put("secure_aggregation", dist.secureAggregation());
                n.put("rounds_aborted", rounds.aborted());
                if (dpNoise > 0) {
                    n.put("dp_epsilon", rounds.epsilon());
                    n.put("dp_delta", 1e-5);
                }
            }
            n.put("gguf", out.resolve("model.gguf").toString());
            o.println(n);
        } else {
            o.printf(Locale.ROOT, "%s on %d workers: validation loss %.4f after %d steps, %.0f tokens/s, "
                            + "%d bytes sent per worker (%d payload); model: %s%n", mode, workers, w0.valLoss(),
                    w0.steps(), tokensPerSecond, w0.bytes().wireBytes(), w0.bytes().payloadBytes(),
                    out.resolve("model.gguf"));
        }
        return 0;
    }

    private ProgressBar progressBar() {
        return new ProgressBarBuilder().setTaskName("train").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().build();
    }

    private static TrainListener listener(ProgressBar bar) {
        return new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                bar.stepTo(p.step());
                bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f, %.0f tok/s", p.loss(), p.tokensPerSecond()));
            }

            @Override
            public void onEval(long step, double valLoss) {
                bar.setExtraMessage(String.format(Locale.ROOT, " val %.3f at %d", valLoss, step));
            }
        };
    }
}
