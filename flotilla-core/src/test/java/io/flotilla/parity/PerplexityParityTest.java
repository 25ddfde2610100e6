package io.flotilla.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.generate.GenerationParams;
import io.flotilla.generate.LocalModel;
import io.flotilla.gguf.GgmlType;
import io.flotilla.model.Perplexity;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.oracle.LlamaCppOracle;
import io.flotilla.oracle.LlamaCppPerplexity;
import io.flotilla.sample.SamplerConfig;
import io.flotilla.testkit.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Perplexity by llama.cpp's method, ours against llama.cpp's own on the same tokens: within 1% on
 * the real TinyStories model, within 1.5% on quantized random models of every architecture the
 * reference loads and every quantized type (where greedy paths are too fragile to compare). A
 * random model is measured on text it sampled itself (temperature 1): on ordinary text it is
 * confidently wrong everywhere (perplexity ~10^6), a measure that only amplifies noise.
 */
class PerplexityParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(PerplexityParityTest.class);
    private static final int CTX = 128;

    @TempDir
    static Path tmp;

    @Test
    void realModelWithinOnePercent() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        try (LlamaCppOracle oracle = LlamaCppOracle.open(model, CTX, 1); LocalModel ours = LocalModel.open(model, 1)) {
            int[] tokens = ours.encodePrompt(ParityModels.text(8192));
            assertThat(tokens).containsExactly(oracle.encode(ParityModels.text(8192), true));
            compare("TinyStories-656K Q8_0", ours, oracle, tokens, 0.01);
        }
    }

    static Stream<Arguments> quantizedModels() {
        List<Arguments> list = new ArrayList<>();
        for (SyntheticArch arch : ParityModels.REFERENCE_LOADS) {
            for (GgmlType type : ParityModels.QUANTIZED) {
                list.add(Arguments.of(arch, type));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("quantizedModels")
    void quantizedRandomModelsWithinOneAndAHalfPercent(SyntheticArch arch, GgmlType type) throws Exception {
        Path file = ParityModels.write(arch, type, false, tmp);
        // llama.cpp's arithmetic (8-bit activations): the batch-invariant kernels, as Compute reads the property
        // when made. The float GEMM of the default path lands up to 2.1% away on these random MoE models
        // (measured: LLAMA_MOE Q4_0 0.979, Q6_K 1.017), within 1% on the real model above.
        System.setProperty("flotilla.batchInvariant", "true");
        LocalModel local;
        try {
            local = LocalModel.open(file, 1);
        } finally {
            System.clearProperty("flotilla.batchInvariant");
        }
        try (LlamaCppOracle oracle = LlamaCppOracle.open(file, CTX, 1); LocalModel ours = local) {
            compare(arch + " " + type, ours, oracle, ownSample(ours, 3 * CTX), 0.015);
        }
    }

    /** {@code n} tokens the model samples itself at temperature 1 from a short prompt, BOS first. */
    private static int[] ownSample(LocalModel model, int n) {
        int[] prompt = model.encodePrompt("Once upon a time");
        SamplerConfig t1 = new SamplerConfig(1f, 0, 1f, 0f, 1f, 0, 0f, 0f, 42);
        int[] sampled = model.generator().generate(model.model().newState(n), prompt,
                new GenerationParams(n - prompt.length, t1, true, List.of()), s -> { }).tokens();
        int[] tokens = Arrays.copyOf(prompt, n);
        System.arraycopy(sampled, 0, tokens, prompt.length, sampled.length);
        return tokens;
    }

    private static void compare(String what, LocalModel ours, LlamaCppOracle oracle, int[] tokens, double tolerance) {
        LlamaCppPerplexity expected = oracle.perplexity(tokens, CTX);
        Perplexity.Stats actual = Perplexity.measure(ours.model(), tokens, CTX, ours.tokenizer().bos());
        double ratio = actual.perplexity() / expected.perplexity();
        LOG.info("{}: perplexity {} (llama.cpp {}), ratio {}", what, actual.perplexity(), expected.perplexity(), ratio);
        assertThat(actual.scoredTokens()).isEqualTo(expected.scored());
        assertThat(ratio).as("%s perplexity %s vs llama.cpp %s", what, actual.perplexity(), expected.perplexity())
                .isBetween(1 - tolerance, 1 + tolerance);
    }
}
