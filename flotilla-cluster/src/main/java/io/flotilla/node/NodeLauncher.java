package io.flotilla.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts node processes on this machine with the same Java and class path as this process. Each
 * child gets the token through {@link NodeConfig#TOKEN_ENV}, its output in a log file, and exits
 * when this process dies (its standard input closes).
 */
public final class NodeLauncher {
    /** The longest {@link #stopAll} waits for killed processes to exit. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private NodeLauncher() {
    }

    /**
     * A port that was free on {@code host} a moment ago, for the membership port of a member started
     * on this machine (it must be told its port up front; another process may still take it first).
     */
    public static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    /**
     * Kills every one of {@code processes} (SIGKILL) and waits until each has exited, at most
     * {@link #STOP_WAIT} in all; an interrupt stops the waiting and stays set on the thread.
     *
     * @return the processes still alive when the wait ended (none, unless the system is stuck)
     */
    public static List<Process> stopAll(Collection<Process> processes) {
        processes.forEach(Process::destroyForcibly);
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (Process process : processes) {
            try {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return processes.stream().filter(Process::isAlive).toList();
    }


    /**
     * Starts {@code mainClass} with the extra {@code jvmOptions} (which must accept {@code args} and {@code --exit-with-parent}, as
     * {@link NodeMain} and {@code flotilla node} do) with {@code config}'s flags.
     */
    public static Process launch(NodeConfig config, List<String> jvmOptions, String mainClass, List<String> leadingArgs,
                                 Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.add("-XX:+UseSerialGC");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(leadingArgs);
        command.addAll(config.toArgs());
        command.add("--exit-with-parent");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put(NodeConfig.TOKEN_ENV, config.token().encoded());
        return builder.start();
    }
}
