package io.flotilla.bench.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.bench.EngineRun;
import io.flotilla.bench.EngineTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code llama-bench} binary (llama.cpp built for this CPU, outside the repository) as a
 * benchmark target: each {@link #run} starts it once with {@code -r 1 -o json} and reads the
 * tokens/s of its prompt-processing test ({@code n_prompt > 0, n_gen == 0}) and its
 * text-generation test ({@code n_gen > 0, n_prompt == 0}). llama-bench warms up inside every
 * process and chooses its own prompt tokens; {@link #warmUp} does nothing.
 */
public final class LlamaBenchProcess implements EngineTarget {
    private final Path binary;
    private final Path model;
    private final int threads;

    public LlamaBenchProcess(Path binary, Path model, int threads) throws NoSuchFileException {
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new NoSuchFileException(binary.toString(), null, "llama-bench binary missing or not executable");
        }
        this.binary = binary;
        this.model = model;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "llama-bench (" + binary + ")";
    }

    /** The command line of one run. */
    public List<String> command(int promptTokens, int genTokens) {
        return List.of(binary.toString(), "-m", model.toString(), "-p", Integer.toString(promptTokens), "-n",
                Integer.toString(genTokens), "-t", Integer.toString(threads), "-r", "1", "-o", "json");
    }

    @Override
    public void warmUp(int[] prompt, int genTokens) {}

    /** Nothing: llama-bench generates its own untimed token in every process before the timed run. */
    @Override
    public void prime() {}

    @Override
    public EngineRun run(int[] prompt, int genTokens) {
        try {
            return parse(execute(command(prompt.length, genTokens)), binary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String execute(List<String> command) throws IOException {
        Path err = Files.createTempFile("llama-bench", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) {
                throw new IOException(command.getFirst() + " exited with " + code + ": " + tail(err));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(command.getFirst() + " interrupted", e);
        } finally {
            p.destroy();
            Files.deleteIfExists(err);
        }
    }

    private static String tail(Path err) throws IOException {
        String s = Files.readString(err, StandardCharsets.UTF_8).strip();
        return s.length() > 400 ? "..." + s.substring(s.length() - 400) : s;
    }

    /** Prefill and decode tokens/s from llama-bench's {@code -o json} output. */
    static EngineRun parse(String json, Path binary) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IOException(binary + " printed no JSON (was -o json accepted?): " + e.getMessage(), e);
        }
        double prefill = Double.NaN;
        double decode = Double.NaN;
        for (JsonNode test : root == null ? List.<JsonNode>of() : root) {
            double ts = test.path("avg_ts").asDouble(Double.NaN);
            if (test.path("n_prompt").asInt() > 0 && test.path("n_gen").asInt() == 0) {
                prefill = ts;
            } else if (test.path("n_gen").asInt() > 0 && test.path("n_prompt").asInt() == 0) {
                decode = ts;
            }
        }
        if (Double.isNaN(prefill) || Double.isNaN(decode)) {
            throw new IOException(binary + ": expected a JSON array with a prompt test (n_prompt > 0, n_gen 0) and a"
                    + " generation test (n_gen > 0, n_prompt 0), each with avg_ts; got " + abbreviate(json));
        }
        return new EngineRun(prefill, decode);
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    @Override
    public void close() {}
}
