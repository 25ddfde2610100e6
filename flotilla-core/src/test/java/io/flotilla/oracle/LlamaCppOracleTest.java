package io.flotilla.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import io.flotilla.testkit.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The oracle on the real TinyStories-656K model, cross-checked against de.kherud:llama's own Java API. */
class LlamaCppOracleTest {
    private static Path model;
    private static LlamaCppOracle oracle;

    @BeforeAll
    static void load() throws Exception {
        model = SharedData.tinyStoriesGguf();
        oracle = LlamaCppOracle.open(model, 256, 1);
    }

    @AfterAll
    static void close() {
        if (oracle != null) {
            oracle.close();
        }
    }

    @Test
    void encodesLikeTheJavaApiAndDecodesBack() throws Exception {
        int[] ids = oracle.encode("Once upon a time", false);
        assertThat(ids).isNotEmpty();
        assertThat(oracle.encode("Once upon a time", true)[0]).isEqualTo(oracle.bos());
        assertThat(oracle.decode(ids).strip()).isEqualTo("Once upon a time");
        try (LlamaModel m = new LlamaModel(new ModelParameters().setModel(model.toString()).setThreads(1)
                .setThreadsBatch(1).setCtxSize(256).setParallel(1).disableLog())) {
            assertThat(m.encode("Once upon a time")).containsExactly(ids);
            String text = m.complete(new InferenceParameters("Once upon a time").setNPredict(16).setTemperature(0f)
                    .setIgnoreEos(true).setCachePrompt(false));
            assertThat(oracle.complete("Once upon a time", 16)).isEqualTo(text);
        }
    }

    @Test
    void greedyContinuationIsAStory() {
        String text = oracle.complete("Once upon a time", 24);
        assertThat(text).contains("Lily");
    }

    @Test
    void logProbsAreNormalizedAndMatchGreedy() {
        int[] prompt = oracle.encode("Once upon a time, there was a little", true);
        float[][] logits = oracle.logits(prompt);
        assertThat(logits).hasNumberOfRows(prompt.length);
        double total = 0;
        for (int t = 0; t < oracle.vocabSize(); t++) {
            total += Math.exp(LlamaCppOracle.logSoftmax(logits[prompt.length - 1], t));
        }
        assertThat(total).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(LlamaCppOracle.argmax(logits[prompt.length - 1])).isEqualTo(oracle.greedy(prompt, 1)[0]);
    }

    @Test
    void perplexityOfTinyStoriesAtCtx128() throws Exception {
        byte[] corpus = Files.readAllBytes(SharedData.file("corpora/tinystories-200k.txt"));
        String text = new String(corpus, 0, 8192, StandardCharsets.UTF_8);
        int[] tokens = oracle.encode(text, true);
        LlamaCppPerplexity ppl = oracle.perplexity(tokens, 128);
        System.out.printf("llama.cpp perplexity of TinyStories-656K-Q8_0 on the first 8192 bytes at ctx 128: %.4f"
                + " (%d tokens, %d chunks, %d scored)%n", ppl.perplexity(), tokens.length, ppl.chunks(), ppl.scored());
        // pinned: llama.cpp b4916 (de.kherud:llama 4.2.0), CPU; a different figure means a different oracle
        assertThat(ppl.chunks()).isEqualTo(15);
        assertThat(ppl.perplexity()).isCloseTo(151.41, org.assertj.core.data.Percentage.withPercentage(1));
    }
}
