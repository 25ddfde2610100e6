package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Model;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineBenchTest {
    @TempDir
    Path tmp;

    @Test
    void measuresEveryRun() throws Exception {
        Path file = tmp.resolve("tiny.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withType(GgmlType.Q8_0), file);
        EngineBenchStats s = EngineBench.run(new EngineBenchConfig(file, 1, 16, 8, 3));
        assertThat(s.prefillTokensPerSecond()).hasSize(3);
        assertThat(s.decodeTokensPerSecond()).hasSize(3);
        assertThat(s.prefill().min()).isPositive();
        assertThat(s.decode().min()).isPositive();
        assertThat(s.decode().min()).isLessThanOrEqualTo(s.decode().median());
        assertThat(s.decode().median()).isLessThanOrEqualTo(s.decode().max());
    }

    @Test
    void everyTimedRunComesRightAfterAnUntimedToken() {
        java.util.List<String> calls = new java.util.ArrayList<>();
        EngineTarget target = new EngineTarget() {
            public String name() {
                return "recording";
            }

            public EngineRun run(int[] prompt, int genTokens) {
                calls.add("run " + prompt.length + "+" + genTokens);
                return EngineRun.of(prompt.length, 1, genTokens, 1);
            }

            public void prime() {
                calls.add("prime");
            }

            public void close() {}
        };
        EngineBench.timed(target, new int[4], 2);
        EngineBench.timed(target, new int[4], 2);
        assertThat(calls).containsExactly("prime", "run 4+2", "prime", "run 4+2");
    }

    @Test
    void decodeReadsEveryMatrixOnceAndOneEmbeddingRow() throws Exception {
        Path file = tmp.resolve("untied.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA), file); // separate output.weight
        try (GgufFile g = GgufFile.open(file); Compute c = new Compute(1)) {
            Model m = Model.load(g, c);
            long all = g.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
            GgufTensorInfo embd = g.requireTensor("token_embd.weight");
            long expected = all - embd.byteSize() + embd.byteSize() / embd.ne(1);
            assertThat(EngineBench.weightBytesPerToken(g, m.config(), m.tiedOutput())).isEqualTo(expected);
        }
    }

    @Test
    void expertsCountOnlyTheirUsedShare() throws Exception {
        Path file = tmp.resolve("moe.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA_MOE), file); // 4 experts, top-2
        try (GgufFile g = GgufFile.open(file); Compute c = new Compute(1)) {
            Model m = Model.load(g, c);
            long experts = g.tensors().stream().filter(t -> t.name().contains("_exps."))
                    .mapToLong(GgufTensorInfo::byteSize).sum();
            long all = g.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
            assertThat(EngineBench.weightBytesPerToken(g, m.config(), m.tiedOutput()))
                    .isLessThan(all - experts / 2 + 1);
        }
    }

    @Test
    void reportsStartupAndMemoryAgainstFileAndCache() throws Exception {
        Path file = tmp.resolve("mem.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withType(GgmlType.Q8_0), file);
        EngineBenchStats s = EngineBench.run(new EngineBenchConfig(file, 1, 8, 4, 1));
        assertThat(s.startupMillis()).isPositive();
        assertThat(s.startupCpuMillis()).isNotNegative(); // HotSpot on Linux reports it (in clock ticks: may be 0)
        assertThat(s.baseline()).isNull();
        assertThat(s.decodeRatio()).isNaN();
        org.junit.jupiter.api.Assumptions.assumeTrue(s.memory() != null, "no /proc/self/status here");
        assertThat(s.memory().fileBytes()).isEqualTo(java.nio.file.Files.size(file));
        assertThat(s.memory().kvCacheBytes()).isEqualTo(2L * 2 * 12 * 2 * 64); // K+V, 12 positions, 2 layers, 64 wide, F16
        assertThat(s.memory().limitBytes()).isEqualTo(Math.round((s.memory().fileBytes() + s.memory().kvCacheBytes()) * 1.1));
        assertThat(s.memory().generating().rssBytes()).isGreaterThan(s.memory().generating().rssFileBytes());
        assertThat(s.memory().modelRssBytes())
                .isEqualTo(s.memory().generating().rssBytes() - s.memory().beforeOpen().rssBytes());
        assertThat(s.memory().modelWithinLimit()).isEqualTo(s.memory().modelRssBytes() <= s.memory().limitBytes());
    }

    @Test
    void againstLlamaCppEveryRepeatTimesBoth() throws Exception {
        Path file = tmp.resolve("ab.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withType(GgmlType.Q8_0), file);
        EngineBenchStats s = EngineBench.run(new EngineBenchConfig(file, 1, 16, 8, 2,
                new EngineBaseline.LlamaCppLibrary()));
        assertThat(s.baseline().name()).contains("llama.cpp");
        assertThat(s.baseline().prefill().min()).isPositive();
        assertThat(s.baseline().decodeTokensPerSecond()).hasSize(2);
        assertThat(s.baseline().decode().min()).isPositive();
        assertThat(s.decodeRatio()).isEqualTo(EngineBenchStats.pairedRatio(s.decodeTokensPerSecond(),
                s.baseline().decodeTokensPerSecond()));
        assertThat(s.prefillRatio()).isPositive().isFinite();
    }

    @Test
    void ratioIsTheMedianOfPairedRatios() {
        assertThat(EngineBenchStats.pairedRatio(new double[] {10, 30, 20}, new double[] {20, 10, 20}))
                .isEqualTo(1.0); // 0.5, 3, 1
        assertThatThrownBy(() -> EngineBenchStats.pairedRatio(new double[1], new double[2]))
                .hasMessageContaining("1 vs 2");
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new EngineBenchConfig(tmp, 0, 1, 1, 1)).hasMessageContaining("got 0");
    }
}
