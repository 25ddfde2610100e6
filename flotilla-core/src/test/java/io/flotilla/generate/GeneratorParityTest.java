package io.flotilla.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.FloatCopy;
import io.flotilla.model.InferenceState;
import io.flotilla.oracle.LlamaCppOracle;
import io.flotilla.testkit.SharedData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole single-node path (tokenizer, model, greedy sampler, detokenizer) against llama.cpp on
 * the real TinyStories model: the same prompt ids, and the same generated text over 64 tokens on
 * its float copy. On the Q8_0 original, greedy paths part ways wherever two candidates are within
 * quantization noise (two llama.cpp builds disagree with each other there too), so agreement is
 * only reported; perplexity is the measure there.
 */
class GeneratorParityTest {
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park and",
        "The little dog was sad because", "One day, a big red ball", "Tim had a toy car. He"};
    private static final int STEPS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(GeneratorParityTest.class);

    @TempDir
    static Path tmp;
    private static LlamaCppOracle oracle;
    private static LocalModel local;

    @BeforeAll
    static void load() throws Exception {
        Path f32 = FloatCopy.write(SharedData.tinyStoriesGguf(), tmp.resolve("tinystories-f32.gguf"));
        oracle = LlamaCppOracle.open(f32, 512, 1);
        local = LocalModel.open(f32, 1);
    }

    @AfterAll
    static void close() {
        if (oracle != null) {
            oracle.close();
        }
        if (local != null) {
            local.close();
        }
    }

    @Test
    void promptsTokenizeLikeLlamaCpp() {
        for (String p : PROMPTS) {
            assertThat(local.encodePrompt(p)).as(p).containsExactly(oracle.encode(p, true));
        }
    }

    @Test
    void greedyTextMatchesLlamaCppOverSixtyFourTokens() {
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        InferenceState state = local.model().newState(512);
        for (String p : PROMPTS) {
            expected.put(p, oracle.complete(p, STEPS));
            GenerationParams params = GenerationParams.greedy(STEPS).withIgnoreEos(true);
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = local.generator().generate(state, local.encodePrompt(p), params, streamed::append);
            assertThat(r.tokens()).hasSize(STEPS);
            assertThat(streamed.toString()).isEqualTo(r.text());
            actual.put(p, r.text());
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void reportsAgreementOnTheQuantizedOriginal() throws Exception {
        Path q8 = SharedData.tinyStoriesGguf();
        // llama.cpp's arithmetic on quantized weights (8-bit activations in prompt processing too): the
        // batch-invariant kernels, as Compute reads the property when made; the float GEMM that processes
        // prompts by default agreed on 2 of 5 prompts over all 64 tokens (near-ties flip)
        System.setProperty("flotilla.batchInvariant", "true");
        LocalModel opened;
        try {
            opened = LocalModel.open(q8, 1);
        } finally {
            System.clearProperty("flotilla.batchInvariant");
        }
        try (LlamaCppOracle q8Oracle = LlamaCppOracle.open(q8, 512, 1); LocalModel q8Local = opened) {
            InferenceState state = q8Local.model().newState(512);
            int agreeing = 0;
            for (String p : PROMPTS) {
                int[] expected = q8Oracle.greedy(q8Oracle.encode(p, true), STEPS);
                int[] ours = q8Local.generator().generate(state, q8Local.encodePrompt(p), GenerationParams.greedy(STEPS)
                        .withIgnoreEos(true), s -> { }).tokens();
                int same = 0;
                while (same < STEPS && ours[same] == expected[same]) {
                    same++;
                }
                agreeing += same == STEPS ? 1 : 0;
                LOG.info("Q8_0 '{}': first {} of {} greedy tokens agree with llama.cpp", p, same, STEPS);
            }
            LOG.info("Q8_0: {} of {} prompts agree over all {} tokens", agreeing, PROMPTS.length, STEPS);
            // measured: 4 of 5 agree over all 64 tokens, the fifth for 53; a near-tie may flip with a kernel change
            assertThat(agreeing).as("prompts whose 64 greedy Q8_0 tokens all agree").isGreaterThanOrEqualTo(3);
        }
    }
}
