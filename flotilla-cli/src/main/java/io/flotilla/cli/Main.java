package io.flotilla.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flotilla} command. */
@Command(name = "flotilla",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Run and train language models on one machine or many.",
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            ServeCommand.class,
            TokenizeCommand.class,
            PerplexityCommand.class,
            TrainCommand.class,
            BenchCommand.class,
            InspectCommand.class,
            NodeCommand.class,
            UpCommand.class,
            ClusterCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = run(args);
        System.out.flush();
        // native libraries (the llama.cpp reference) may keep non-daemon threads: exit explicitly
        System.exit(code);
    }

    /** Runs the CLI without exiting the JVM; returns the exit code. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new CliErrors());
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"flotilla " + (v == null ? "0.1.0-SNAPSHOT" : v)
                    + " (Java " + Runtime.version() + ")"};
        }
    }
}
