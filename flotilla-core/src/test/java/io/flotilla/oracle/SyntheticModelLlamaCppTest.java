package io.flotilla.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** llama.cpp loads the synthetic models of every architecture it knows, and their greedy output does not collapse. */
class SyntheticModelLlamaCppTest {
    @TempDir
    static Path dir;

    @ParameterizedTest
    @EnumSource(value = SyntheticArch.class, names = {"LLAMA", "LLAMA_MOE", "QWEN2", "QWEN2_MOE"})
    void loadsAndGeneratesVariedText(SyntheticArch arch) throws IOException {
        Path model = SyntheticModel.write(SyntheticSpec.tiny(arch).withType(GgmlType.F16), dir.resolve(arch + ".gguf")).path();
        try (LlamaCppOracle o = LlamaCppOracle.open(model, 128, 1)) {
            assertThat(o.vocabSize()).isEqualTo(512);
            int[] prompt = o.encode("Once upon a time, the little dog", true);
            int[] out = o.greedy(prompt, 48);
            assertThat(Arrays.stream(out).distinct().count()).as("distinct tokens in " + Arrays.toString(out)).isGreaterThanOrEqualTo(12);
            assertWellConditioned(o, prompt);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SyntheticArch.class, names = {"LLAMA", "QWEN2"})
    void tiedOutputLoadsAndGenerates(SyntheticArch arch) throws IOException {
        SyntheticSpec spec = SyntheticSpec.tiny(arch).withTiedOutput(true);
        Path model = SyntheticModel.write(spec, dir.resolve(arch + "-tied.gguf")).path();
        try (LlamaCppOracle o = LlamaCppOracle.open(model, 128, 1)) {
            int[] out = o.greedy(o.encode("Once upon a time", true), 48);
            assertThat(Arrays.stream(out).distinct().count()).as(Arrays.toString(out)).isGreaterThanOrEqualTo(12);
        }
    }

    /** llama.cpp of de.kherud:llama 4.2.0 (b4916) predates Qwen3: it refuses the architecture. */
    @ParameterizedTest
    @EnumSource(value = SyntheticArch.class, names = {"QWEN3", "QWEN3_MOE"})
    void qwen3IsUnknownToThisLlamaCpp(SyntheticArch arch) throws IOException {
        Path model = SyntheticModel.write(SyntheticSpec.tiny(arch), dir.resolve(arch + ".gguf")).path();
        assertThatThrownBy(() -> LlamaCppOracle.open(model, 128, 1)).isInstanceOf(IOException.class);
    }

    /** The next-token distribution after each prompt position is neither flat nor one-hot. */
    private static void assertWellConditioned(LlamaCppOracle o, int[] prompt) {
        float[][] logits = o.logits(prompt);
        double topSum = 0;
        for (float[] l : logits) {
            topSum += Math.exp(LlamaCppOracle.logSoftmax(l, LlamaCppOracle.argmax(l)));
        }
        double meanTop = topSum / logits.length;
        assertThat(meanTop).as("mean probability of the argmax").isBetween(0.05, 0.9);
    }
}
