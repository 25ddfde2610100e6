package io.flotilla.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.testkit.SharedData;
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

    @org.junit.jupiter.api.Test
    void anyTextEncodesWithTheSyntheticVocabularyAndDecodesBack() throws IOException {
        Path model = SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withVocab(2048), dir.resolve("vocab.gguf")).path();
        try (LlamaCppOracle o = LlamaCppOracle.open(model, 64, 1)) {
            String text = "The cat sat.\n\tZürich, 東京 and 😀 {x: 42}";
            int[] ids = o.encode(text, true);
            assertThat(ids[0]).isEqualTo(o.bos());
            assertThat(ids).doesNotContain(0); // no <unk>: bytes fall back to <0xNN>
            assertThat(o.decode(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo(" " + text);
            assertThat(o.encode("the", false)).hasSize(1); // "▁the" (space prefix added) is one piece
        }
    }

    @org.junit.jupiter.api.Test
    void borrowsTheVocabularyOfARealModel() throws IOException {
        Path real = SharedData.tinyStoriesGguf();
        Path model = SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.QWEN2), dir.resolve("borrowed.gguf"), real).path();
        String text = "Once upon a time, Lily saw a big dog.";
        try (LlamaCppOracle synthetic = LlamaCppOracle.open(model, 64, 1); LlamaCppOracle original = LlamaCppOracle.open(real, 64, 1)) {
            assertThat(synthetic.vocabSize()).isEqualTo(original.vocabSize());
            assertThat(synthetic.encode(text, true)).containsExactly(original.encode(text, true));
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

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void everyWeightTypeLoadsAndGenerates(GgmlType type) throws IOException {
        SyntheticSpec spec = new SyntheticSpec(SyntheticArch.LLAMA, 256, 2, 4, 2, 64, 512, 512, 256,
                0, 0, 0, 0, 10000f, type, false, 7);
        Path model = SyntheticModel.write(spec, dir.resolve(type + ".gguf")).path();
        try (GgufFile f = GgufFile.open(model)) {
            assertThat(f.requireTensor("blk.0.ffn_down.weight").type()).isEqualTo(type);
        }
        try (LlamaCppOracle o = LlamaCppOracle.open(model, 128, 1)) {
            int[] prompt = o.encode("Once upon a time, the little dog", true);
            int[] out = o.greedy(prompt, 32);
            assertThat(Arrays.stream(out).distinct().count()).as(Arrays.toString(out)).isGreaterThanOrEqualTo(10);
            assertWellConditioned(o, prompt);
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
