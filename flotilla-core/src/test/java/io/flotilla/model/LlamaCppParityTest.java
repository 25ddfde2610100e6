package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greedy generation of the real TinyStories model against llama.cpp (de.kherud:llama), the
 * correctness oracle. On the float copy the tokens must agree; on the Q8_0 original (where
 * llama.cpp quantizes activations to Q8 too) agreement is only reported.
 */
class LlamaCppParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaCppParityTest.class);
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park and",
        "The little dog was sad because", "One day, a big red ball"};
    private static final int STEPS = 64;

    @TempDir
    static Path tmp;
    private static Path f32;
    private static LlamaModel oracleF32;
    private static LlamaModel oracleQ8;

    @BeforeAll
    static void load() throws Exception {
        Path q8 = TinyStories.q8();
        f32 = TinyStories.writeF32Copy(q8, tmp.resolve("tinystories-f32.gguf"));
        LlamaModel.setLogger(LogFormat.TEXT, (LogLevel level, String msg) -> { });
        oracleF32 = new LlamaModel(new ModelParameters().setModel(f32.toString()).setThreads(2).setCtxSize(512));
        oracleQ8 = new LlamaModel(new ModelParameters().setModel(q8.toString()).setThreads(2).setCtxSize(512));
    }

    @AfterAll
    static void close() {
        if (oracleF32 != null) {
            oracleF32.close();
        }
        if (oracleQ8 != null) {
            oracleQ8.close();
        }
    }

    @Test
    void floatCopyGivesTheSameGreedyTokensAsLlamaCpp() throws Exception {
        try (GgufFile file = GgufFile.open(f32); Compute compute = new Compute(1)) {
            Model model = Model.load(file, compute);
            Map<String, String> expected = new LinkedHashMap<>();
            Map<String, String> actual = new LinkedHashMap<>();
            for (String prompt : PROMPTS) {
                int[] ids = promptIds(oracleF32, prompt);
                int[] ours = TinyStories.greedy(model, ids, STEPS);
                // llama.cpp's handling of a generated end-of-story token differs; keep to prompts that avoid it
                assertThat(ours).as("prompt '%s' generates no EOS", prompt).doesNotContain(TinyStories.EOS);
                expected.put(prompt, oracleF32.complete(greedyParams(prompt)));
                actual.put(prompt, oracleF32.decode(ours));
                LOG.info("prompt {} -> {}", Arrays.toString(ids), actual.get(prompt));
            }
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void reportsAgreementOnTheQ8Original() throws Exception {
        try (GgufFile file = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(1)) {
            Model model = Model.load(file, compute);
            for (String prompt : PROMPTS) {
                // how activations meet Q8_0 weights (quantized to Q8 or not) differs between kernels, so
                // greedy text drifts apart after a while: reported, not asserted
                String expected = oracleQ8.complete(greedyParams(prompt));
                int[] ids = promptIds(oracleQ8, prompt);
                String text = oracleQ8.decode(TinyStories.greedy(model, ids, STEPS));
                int same = 0;
                while (same < Math.min(text.length(), expected.length()) && text.charAt(same) == expected.charAt(same)) {
                    same++;
                }
                LOG.info("Q8_0 '{}': first {} of {} characters agree with llama.cpp", prompt, same, expected.length());
                assertThat(text).isNotEmpty();
            }
        }
    }

    private static InferenceParameters greedyParams(String prompt) {
        return new InferenceParameters(prompt).setNPredict(STEPS).setTemperature(0f).setIgnoreEos(true)
                .setCachePrompt(false);
    }

    /** llama.cpp's token ids for the prompt, with BOS in front as llama.cpp's completion adds it. */
    private static int[] promptIds(LlamaModel oracle, String prompt) {
        int[] ids = oracle.encode(prompt);
        if (ids.length > 0 && ids[0] == TinyStories.BOS) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = TinyStories.BOS;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }
}
