package io.flotilla.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.generate.GenerationParams;
import io.flotilla.generate.LocalModel;
import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.oracle.LlamaCppOracle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random-weight models written by Flotilla's own GGUF writer, one for each architecture the
 * reference loads, in F32 and F16, tied and separate output: the same greedy tokens as llama.cpp,
 * from our tokenizer's prompt ids through 32 generated tokens. BF16 (activations rounded to 8-bit
 * mantissas, as llama.cpp does) is as fragile at near-ties as the quantized types and is compared
 * by perplexity in {@link PerplexityParityTest}.
 */
class GreedyParityTest {
    private static final int STEPS = 32;
    private static final String[] PROMPTS = {"Once upon a time", "The cat sat on the mat and looked at"};

    @TempDir
    static Path tmp;

    static Stream<Arguments> models() {
        List<Arguments> list = new ArrayList<>();
        for (SyntheticArch arch : ParityModels.REFERENCE_LOADS) {
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16}) {
                list.add(Arguments.of(arch, type, false));
            }
            if (!arch.moe()) {
                list.add(Arguments.of(arch, GgmlType.F32, true));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} tied={2}")
    @MethodSource("models")
    void sameGreedyTokensAsLlamaCpp(SyntheticArch arch, GgmlType type, boolean tied) throws Exception {
        Path file = ParityModels.write(arch, type, tied, tmp);
        try (LlamaCppOracle oracle = LlamaCppOracle.open(file, 256, 1); LocalModel ours = LocalModel.open(file, 1)) {
            for (String prompt : PROMPTS) {
                int[] ids = ours.encodePrompt(prompt);
                assertThat(ids).as("prompt ids of '%s'", prompt).containsExactly(oracle.encode(prompt, true));
                int[] expected = oracle.greedy(ids, STEPS);
                int[] actual = ours.generator().generate(ours.model().newState(256), ids,
                        GenerationParams.greedy(STEPS).withIgnoreEos(true), s -> { }).tokens();
                assertThat(actual).as("%s %s greedy tokens after '%s'", arch, type, prompt).containsExactly(expected);
            }
        }
    }
}
