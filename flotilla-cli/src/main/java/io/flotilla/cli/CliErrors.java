package io.flotilla.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns an exception from a command into one clear line on stderr and exit code 1. The stack
 * trace is printed only when {@code FLOTILLA_DEBUG} is set.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        cli.getErr().println("flotilla " + cli.getCommandName() + ": " + describe(t));
        if (System.getenv("FLOTILLA_DEBUG") != null) {
            t.printStackTrace(cli.getErr());
        }
        cli.getErr().flush();
        return 1;
    }

    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (t instanceof IOException && !(t instanceof io.flotilla.gguf.GgufFormatException)) {
            msg = t.getClass().getSimpleName() + ": " + msg;
        }
        return msg;
    }
}
