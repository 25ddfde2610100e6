package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchEngineCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheMissingPresetModelAndReportsJson() throws Exception {
        CliRun run = CliRun.of("bench", "engine", "--preset", "tiny-llama", "--type", "Q8_0", "--models-dir",
                tmp.toString(), "--threads", "1", "--prompt-tokens", "16", "--gen-tokens", "8", "--repeat", "2",
                "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.exists(tmp.resolve("tiny-llama-Q8_0.gguf"))).isTrue();
        JsonNode o = new ObjectMapper().readTree(run.out());
        assertThat(o.get("decode_tokens_per_s").get("median").asDouble()).isPositive();
        assertThat(o.get("prefill_tokens_per_s").get("min").asDouble()).isPositive();
        assertThat(o.get("weight_bytes_per_token").asLong()).isPositive();
        assertThat(o.get("threads").asInt()).isEqualTo(1);
    }

    @Test
    void unknownPresetIsNamed() {
        CliRun run = CliRun.of("bench", "engine", "--preset", "gpt-9", "--models-dir", tmp.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("gpt-9");
    }
}
