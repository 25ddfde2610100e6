package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void twoScenariosPrintOneJsonLineEachWithRatiosToTheFirst() throws Exception {
        Path data = dir.resolve("text.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog. ".repeat(400));
        CliRun r = CliRun.of("bench", "train", "--data", data.toString(), "--steps", "3", "--workers", "2",
                "--out", dir.resolve("out").toString(), "ddp-fp32", "ddp-int8");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode ddp = json.readTree(lines[0]);
        JsonNode int8 = json.readTree(lines[1]);
        assertThat(ddp.get("scenario").asText()).isEqualTo("ddp-fp32");
        assertThat(ddp.get("val_loss").asDouble()).isPositive();
        assertThat(int8.get("scenario").asText()).isEqualTo("ddp-int8");
        // int8 blocks carry a scale each: a little under 4x fewer payload bytes than fp32
        assertThat(int8.get("bytes_reduction_vs_baseline").asDouble()).isBetween(3.5, 4.0);
    }

    @Test
    void unknownScenarioAndMissingDataAreNamed() {
        CliRun unknown = CliRun.of("bench", "train", "--data", "pom.xml", "ddp-fp64");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("ddp-fp64");
        CliRun missing = CliRun.of("bench", "train", "--data", dir.resolve("none.txt").toString());
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("none.txt");
    }
}
