package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.gguf.GgufWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
    @TempDir
    Path tmp;

    private static String model() {
        return CliRun.tinyStories();
    }

    @Test
    void jsonHasTheGeneratedTextTokensAndSpeeds() throws Exception {
        CliRun run = CliRun.of("generate", "--model", model(), "--prompt", "Once upon a time", "--temperature", "0",
                "--max-tokens", "16", "--ignore-eos", "--threads", "1", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out());
        assertThat(o.get("tokens")).hasSize(16);
        assertThat(o.get("text").asText()).startsWith(",").doesNotContain("Once upon a time");
        assertThat(o.get("prompt_tokens").asInt()).isEqualTo(6);
        assertThat(o.get("prefill_tokens_per_s").asDouble()).isPositive();
        assertThat(o.get("decode_tokens_per_s").asDouble()).isPositive();
        assertThat(o.get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void sameSeedSameText() throws Exception {
        String[] args = {"generate", "--model", model(), "--prompt", "Once upon a time", "--temperature", "1",
            "--seed", "7", "--max-tokens", "24", "--threads", "1", "--json"};
        JsonNode first = new ObjectMapper().readTree(CliRun.of(args).out());
        JsonNode second = new ObjectMapper().readTree(CliRun.of(args).out());
        assertThat(second.get("tokens")).isEqualTo(first.get("tokens"));
        assertThat(second.get("text")).isEqualTo(first.get("text"));
        args[8] = "8";
        assertThat(new ObjectMapper().readTree(CliRun.of(args).out()).get("tokens")).isNotEqualTo(first.get("tokens"));
    }

    @Test
    void promptLongerThanTheContextIsRefusedWithBothNumbers() {
        CliRun run = CliRun.of("generate", "--model", model(), "--prompt", "Once upon a time there was a dog",
                "--ctx", "4", "--threads", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("prompt has 8 tokens", "context of 4").doesNotContain("\tat ");
    }

    @Test
    void unknownArchitectureIsNamed() throws Exception {
        Path file = tmp.resolve("gpt9.gguf");
        new GgufWriter().putString("general.architecture", "gpt9")
                .addTensor("token_embd.weight", new long[] {32, 4}, new float[128]).write(file);
        CliRun run = CliRun.of("generate", "--model", file.toString(), "--prompt", "hi");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("gpt9").doesNotContain("\tat ");
    }

    @Test
    void badFlagValuesAreNamed() {
        CliRun run = CliRun.of("generate", "--model", model(), "--prompt", "x", "--top-p", "1.5");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--top-p", "1.5");
    }
}
