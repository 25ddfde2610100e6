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

    @Test
    void comparesWithLlamaCppAndPrintsRatiosMemoryAndStartup() throws Exception {
        CliRun run = CliRun.of("bench", "engine", "--preset", "tiny-llama", "--type", "Q4_0", "--models-dir",
                tmp.toString(), "--threads", "1", "--prompt-tokens", "8", "--gen-tokens", "4", "--repeat", "2",
                "--compare", "llamacpp", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out());
        assertThat(o.get("llamacpp").get("backend").asText()).contains("de.kherud");
        assertThat(o.get("llamacpp").get("decode_tokens_per_s").get("median").asDouble()).isPositive();
        assertThat(o.get("llamacpp").get("prefill_tokens_per_s").get("min").asDouble()).isPositive();
        assertThat(o.get("ratio").get("prefill").asDouble()).isPositive();
        assertThat(o.get("ratio").get("decode").asDouble()).isPositive();
        assertThat(o.get("startup_to_first_token_ms").asDouble()).isPositive();
        if (o.has("memory")) {
            JsonNode m = o.get("memory");
            assertThat(m.get("file_bytes").asLong()).isEqualTo(Files.size(tmp.resolve("tiny-llama-Q4_0.gguf")));
            for (String f : new String[] {"rss_bytes", "rss_anon_bytes", "rss_file_bytes", "rss_before_open_bytes",
                    "kv_cache_bytes", "limit_bytes"}) {
                assertThat(m.get(f).asLong()).as(f).isPositive();
            }
            assertThat(m.get("within_limit").isBoolean()).isTrue();
        }
    }

    @Test
    void textOutputWithoutComparisonHasNoRatio() throws Exception {
        CliRun run = CliRun.of("bench", "engine", "--preset", "tiny-llama", "--models-dir", tmp.toString(),
                "--threads", "1", "--prompt-tokens", "4", "--gen-tokens", "2", "--repeat", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("prefill", "decode", "start", "tok/s").doesNotContain("ratio");
    }

    @Test
    void aMissingLlamaBenchBinaryIsNamed() {
        Path missing = tmp.resolve("no-llama-bench");
        CliRun run = CliRun.of("bench", "engine", "--preset", "tiny-llama", "--models-dir", tmp.toString(),
                "--llama-bench", missing.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--llama-bench", missing.toString());
    }

    @Test
    void aMissingModelFileIsNamed() {
        Path missing = tmp.resolve("absent.gguf");
        CliRun run = CliRun.of("bench", "engine", "--model", missing.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("absent.gguf");
    }

    @Test
    void badFlagsAreNamed() {
        CliRun compare = CliRun.of("bench", "engine", "--compare", "vllm");
        assertThat(compare.exitCode()).isEqualTo(2);
        assertThat(compare.err()).contains("--compare", "vllm");
        CliRun repeat = CliRun.of("bench", "engine", "--preset", "tiny-llama", "--models-dir", tmp.toString(),
                "--repeat", "0");
        assertThat(repeat.exitCode()).isEqualTo(1);
        assertThat(repeat.err()).contains("repeat", "got");
        CliRun both = CliRun.of("bench", "engine", "--compare", "none", "--llama-bench", "/bin/true");
        assertThat(both.exitCode()).isEqualTo(1);
        assertThat(both.err()).contains("contradicts");
    }
}
