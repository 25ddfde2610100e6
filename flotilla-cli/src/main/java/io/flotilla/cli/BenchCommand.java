package io.flotilla.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flotilla bench}: benchmarks anyone can rerun with one command. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: 'flotilla bench engine' measures prefill and decode speed on this machine; 'flotilla bench cluster' the pipeline.",
        subcommands = {BenchEngineCommand.class, BenchClusterCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
