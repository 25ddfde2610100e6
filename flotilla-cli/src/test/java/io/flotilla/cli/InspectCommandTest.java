package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path tmp;

    @Test
    void showsMetadataTensorsAndParameterCount() throws Exception {
        Path file = tmp.resolve("m.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("token_embd.weight", new long[] {4, 8}, new float[32])
                .addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {32, 2}, MemorySegment.ofArray(new byte[68]))
                .write(file);
        CliRun run = CliRun.of("inspect", file.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("general.architecture", "llama", "parameters:  96", "blk.0.attn_q.weight", "Q8_0");

        CliRun json = CliRun.of("inspect", "--json", file.toString());
        assertThat(json.out()).contains("\"parameters\":96", "\"type\":\"Q8_0\"");
    }

    @Test
    void truncatedFileGivesOneClearLine() throws Exception {
        Path file = tmp.resolve("m.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("w", new long[] {64, 64}, new float[4096]).write(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 100));
        CliRun run = CliRun.of("inspect", file.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("flotilla inspect: " + file).contains("offset", "truncated")
                .doesNotContain("Exception", "\tat ");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void missingFile() {
        CliRun run = CliRun.of("inspect", tmp.resolve("nope.gguf").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no such file", "nope.gguf");
    }
}
