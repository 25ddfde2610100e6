package io.flotilla.cli;

import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.dist.TrainBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flotilla bench train}: the distributed-training comparisons of the training issue, one command. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains the reference model (Tiny Shakespeare, character level, 4 layers, width 128, 4 heads,",
                "context 64; 8x64 tokens per worker per step) once per scenario with K single-threaded workers",
                "over loopback TCP, and prints one JSON line per scenario: validation loss, payload and wire bytes",
                "per worker, tokens/s, and the loss and byte ratios against the first scenario (the baseline).",
                "Scenarios: ddp-fp32 diloco-h10-fp32 diloco-h10-int8 ddp-int8 (default), ddp-bf16, ddp-topk-0.01,",
                "ddp-topk-0.1, diloco-h10-topk-0.03, diloco-h50-fp32, diloco-h100-fp32, diloco-h10-avg (outer lr 1,",
                "no momentum), diloco-h10-m0.5 (outer lr 1, momentum 0.5), fedavg-h50-2of4, fedprox-0.01-h50-2of4,",
                "fedprox-0.1-h50-2of4; non-IID (8 clients, each a contiguous eighth of the text, 4 per round, their",
                "own worker count): fedavg-h50-4of8, fedavg-nesterov-h50-4of8, fedprox-0.01-h50-4of8,",
                "fedprox-0.1-h50-4of8, local-1of8 (one client that never communicates); every client in every",
                "round, as DiLoCo runs non-IID shards: fedavg-h50-8of8, fedavg-nesterov-h50-8of8 (and -h10-).",
                "A DiLoCo or FedAvg scenario takes another outer step as SCENARIO@LR,MU[,sched|,const][,lrxF]",
                "(e.g. diloco-h10-fp32@0.7,0.9; sched: the outer step follows the inner lr schedule; lrxF scales the",
                "inner lr schedule by F); any scenario, DDP included, takes SCENARIO@lrxF alone (e.g. ddp-fp32@lrx1.5)."})
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "FILE", description = "text corpus (default: ${DEFAULT-VALUE})")
    Path data = Path.of("../shared/corpora/tinyshakespeare.txt");

    @Option(names = "--steps", paramLabel = "S", description = "optimizer steps per scenario (default: ${DEFAULT-VALUE})")
    int steps = 800;

    @Option(names = "--workers", paramLabel = "K", description = "workers (default: ${DEFAULT-VALUE})")
    int workers = 4;

    @Option(names = "--seed", paramLabel = "N", description = "initialisation, data order, client sampling and"
            + " validation windows (default: ${DEFAULT-VALUE}); compare scenarios within one seed")
    long seed = 1337;

    @Option(names = "--out", paramLabel = "DIR", description = "where each scenario's run writes (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-train-out");

    @Parameters(paramLabel = "SCENARIO", arity = "0..*", description = "scenarios to run, the first is the baseline")
    List<String> scenarios = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("training data " + data + " is not a readable file");
        }
        if (steps < 1 || workers < 1) {
            throw new IllegalArgumentException("--steps and --workers must be >= 1, got " + steps + " and " + workers);
        }
        var chosen = TrainBench.scenarios(scenarios);
        TrainBench.Row[] baseline = {null};
        TrainListener progress = new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                if (p.step() % 50 == 0) {
                    System.err.printf(Locale.ROOT, "step %d/%d loss %.3f%n", p.step(), p.totalSteps(), p.loss());
                }
            }
        };
        TrainBench.run(data, out, steps, seed, workers, chosen, progress, row -> {
            System.out.println(TrainBench.json(row, baseline[0]));
            System.out.flush();
            if (baseline[0] == null) {
                baseline[0] = row;
            }
        });
        return 0;
    }
}
