package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void trainsAndTheGgufItWritesGenerates() throws Exception {
        Path data = tmp.resolve("data.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog. ".repeat(200));
        Path out = tmp.resolve("out");
        CliRun run = CliRun.of("train", "--data", data.toString(), "--layers", "1", "--dim", "32", "--heads", "2",
                "--ctx", "16", "--batch", "4", "--steps", "20", "--warmup", "2", "--eval-every", "0",
                "--out", out.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String last = run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode o = new ObjectMapper().readTree(last);
        assertThat(o.get("steps").asInt()).isEqualTo(20);
        assertThat(o.get("val_loss").asDouble()).isPositive().isLessThan(Math.log(324));
        assertThat(o.has("train_tokens_per_s")).isTrue();
        assertThat(o.get("bytes_sent").asLong()).isZero();

        CliRun gen = CliRun.of("generate", "--model", out.resolve("model.gguf").toString(), "--prompt", "the ",
                "--max-tokens", "8", "--ignore-eos", "--temperature", "0", "--threads", "1", "--json");
        assertThat(gen.exitCode()).as(gen.err()).isZero();
        assertThat(new ObjectMapper().readTree(gen.out()).get("tokens")).hasSize(8);
    }

    @Test
    void dilocoOnTwoWorkerProcessesReportsBytesAndTheSameModelOnEveryWorker() throws Exception {
        Path data = tmp.resolve("data.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog. ".repeat(200));
        Path out = tmp.resolve("diloco");
        CliRun run = CliRun.of("train", "--data", data.toString(), "--layers", "1", "--dim", "32", "--heads", "2",
                "--ctx", "16", "--batch", "4", "--steps", "8", "--warmup", "2", "--eval-every", "0",
                "--workers", "2", "--mode", "diloco", "--inner-steps", "4", "--compress", "int8",
                "--out", out.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(o.get("steps").asInt()).isEqualTo(8);
        assertThat(o.get("syncs").asInt()).isEqualTo(2);
        assertThat(o.get("val_loss").asDouble()).isPositive();
        assertThat(o.get("bytes_sent").asLong()).isGreaterThan(o.get("payload_bytes").asLong()).isPositive();
        assertThat(o.get("compress").asText()).isEqualTo("int8");
        assertThat(out.resolve("model.gguf")).exists();
    }

    @Test
    void fedAvgWithSecureAggregationAndDpOnThreeWorkerProcessesReportsEpsilon() throws Exception {
        Path data = tmp.resolve("data.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog. ".repeat(200));
        Path out = tmp.resolve("fedavg");
        CliRun run = CliRun.of("train", "--data", data.toString(), "--layers", "1", "--dim", "32", "--heads", "2",
                "--ctx", "16", "--batch", "4", "--steps", "8", "--warmup", "2", "--eval-every", "0",
                "--workers", "3", "--mode", "fedavg", "--inner-steps", "4", "--clients-per-round", "2",
                "--secure-aggregation", "--dp-clip", "1", "--dp-noise", "0.5", "--restart-failed", "--out", out.toString(),
                "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(o.get("syncs").asInt()).isEqualTo(2);
        assertThat(o.get("secure_aggregation").asBoolean()).isTrue();
        assertThat(o.get("rounds_aborted").asInt()).isZero();
        assertThat(o.get("dp_epsilon").asDouble()).isPositive().isFinite();
        assertThat(o.get("workers_finished").asInt()).isEqualTo(3);
    }

    @Test
    void privacyOptionsNeedFedAvg() {
        CliRun run = CliRun.of("train", "--data", "README.md", "--workers", "2", "--mode", "ddp", "--dp-clip", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("need --mode fedavg, got --mode ddp");
    }

    @Test
    void severalWorkersNeedADistributedMode() {
        CliRun run = CliRun.of("train", "--data", "x.txt", "--workers", "4");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--workers 4 needs --mode ddp, diloco or fedavg");
    }
}
