package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code flotilla serve} in a child JVM on a free port; {@link #close()} stops it (also when a test fails). */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String base;

    private ServeProcess(Process process, Path output, String base) {
        this.process = process;
        this.output = output;
        this.base = base;
    }

    /** Starts {@code serve --port 0 ARGS} with its output in {@code dir}, and waits until it listens. */
    static ServeProcess start(Path dir, String... args) throws IOException, InterruptedException {
        Path portFile = dir.resolve("port");
        Path output = dir.resolve("out");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--port", "0", "--port-file", portFile.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!(Files.exists(portFile) && Files.size(portFile) > 0) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(p.isAlive()).as(Files.readString(output)).isTrue();
            return new ServeProcess(p, output, "http://127.0.0.1:" + Files.readString(portFile).strip());
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            stop(p);
            throw e;
        }
    }

    /** {@code http://127.0.0.1:PORT} */
    String base() {
        return base;
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    @Override
    public void close() throws InterruptedException {
        stop(process);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
