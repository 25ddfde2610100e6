package io.flotilla.bench.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.bench.EngineRun;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaBenchProcessTest {
    static final String JSON = """
            [
              {"build_commit": "abc", "model_filename": "m.gguf", "n_prompt": 128, "n_gen": 0, "n_threads": 2,
               "avg_ns": 900000000, "avg_ts": 142.25, "stddev_ts": 1.5, "samples_ts": [142.25]},
              {"build_commit": "abc", "model_filename": "m.gguf", "n_prompt": 0, "n_gen": 64, "n_threads": 2,
               "avg_ns": 1400000000, "avg_ts": 44.5, "stddev_ts": 0.2, "samples_ts": [44.5]}
            ]
            """;

    @TempDir
    Path tmp;

    @Test
    void readsPromptAndGenerationTests() throws Exception {
        EngineRun r = LlamaBenchProcess.parse(JSON, Path.of("llama-bench"));
        assertThat(r.prefillTokensPerSecond()).isEqualTo(142.25);
        assertThat(r.decodeTokensPerSecond()).isEqualTo(44.5);
    }

    @Test
    void outputWithoutBothTestsIsNamed() {
        assertThatThrownBy(() -> LlamaBenchProcess.parse("[{\"n_prompt\": 128, \"n_gen\": 0, \"avg_ts\": 1}]",
                Path.of("lb"))).hasMessageContaining("generation test").hasMessageContaining("lb");
        assertThatThrownBy(() -> LlamaBenchProcess.parse("| model | size |", Path.of("lb")))
                .hasMessageContaining("no JSON");
    }

    @Test
    void runsTheBinaryWithTheBenchmarkArguments() throws Exception {
        Path args = tmp.resolve("args.txt");
        Path fake = script("fake-llama-bench", "echo \"$@\" > " + args + "\ncat <<'END'\n" + JSON + "END\n");
        LlamaBenchProcess p = new LlamaBenchProcess(fake, Path.of("model.gguf"), 2);
        EngineRun r = p.run(new int[128], 64);
        assertThat(r.decodeTokensPerSecond()).isEqualTo(44.5);
        assertThat(Files.readString(args).strip()).isEqualTo("-m model.gguf -p 128 -n 64 -t 2 -r 1 -o json");
    }

    @Test
    void aFailingBinaryReportsItsExitCodeAndError() throws Exception {
        Path fake = script("broken", "echo 'error: failed to load model' >&2\nexit 3\n");
        LlamaBenchProcess p = new LlamaBenchProcess(fake, Path.of("model.gguf"), 1);
        assertThatThrownBy(() -> p.run(new int[8], 4)).hasMessageContaining("exited with 3")
                .hasMessageContaining("failed to load model");
    }

    @Test
    void aMissingBinaryIsNamed() {
        assertThatThrownBy(() -> new LlamaBenchProcess(tmp.resolve("nope"), Path.of("m.gguf"), 1))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("nope");
    }

    private Path script(String name, String body) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }
}
