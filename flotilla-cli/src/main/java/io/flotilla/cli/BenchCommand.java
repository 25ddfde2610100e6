package io.flotilla.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flotilla bench}: benchmarks anyone can rerun with one command. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks: 'flotilla bench engine' measures prefill and decode speed on this machine",
                "(against llama.cpp with --compare llamacpp); 'flotilla bench serve' loads a serving endpoint;",
                "'flotilla bench cluster' measures the pipeline across node processes; 'flotilla bench train'",
                "compares distributed training modes and compressions."},
        subcommands = {BenchEngineCommand.class, BenchServeCommand.class, BenchClusterCommand.class,
                BenchTrainCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
