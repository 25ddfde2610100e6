package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufWriter;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random F32 models of the architectures llama.cpp 4.2.0 (mid-2025) loads — llama, Mixtral-style
 * llama MoE, qwen2 — against llama.cpp: greedy tokens must agree. The models borrow TinyStories'
 * tokenizer so that llama.cpp accepts them. (qwen2moe, qwen3 and qwen3moe are checked against the
 * plain reference in ArchitecturesTest.)
 */
class LlamaCppArchitecturesTest {
    private static final String[] PROMPTS = {"Once upon a time", "The cat sat on the mat and"};
    private static final int STEPS = 24;

    @TempDir
    static Path tmp;
    private static final Map<String, Path> files = new LinkedHashMap<>();
    private static final Map<String, LlamaModel> oracles = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws Exception {
        GgufMetadata tokenizer;
        try (GgufFile ts = GgufFile.open(TinyStories.q8())) {
            tokenizer = ts.metadata();
        }
        LlamaModel.setLogger(LogFormat.TEXT, (LogLevel level, String msg) -> { });
        Map<String, RandomModels.Spec> specs = Map.of(
                "llama", RandomModels.Spec.of("llama").withVocab(2048),
                "mixtral", RandomModels.Spec.mixtral().withVocab(2048),
                "qwen2", RandomModels.Spec.of("qwen2").withVocab(2048));
        for (var e : specs.entrySet()) {
            Path p = RandomModels.write(e.getValue(), tmp.resolve(e.getKey() + ".gguf"), 17,
                    w -> copyTokenizer(tokenizer, w));
            files.put(e.getKey(), p);
            oracles.put(e.getKey(), new LlamaModel(new ModelParameters().setModel(p.toString()).setThreads(2)
                    .setCtxSize(128)));
        }
    }

    private static void copyTokenizer(GgufMetadata from, GgufWriter w) {
        for (String key : from.keys()) {
            if (key.startsWith("tokenizer.")) {
                w.put(key, from.get(key));
            }
        }
    }

    @AfterAll
    static void close() {
        oracles.values().forEach(LlamaModel::close);
    }

    @Test
    void llama() throws Exception {
        assertSameGreedyText("llama");
    }

    @Test
    void mixtralStyleMoe() throws Exception {
        assertSameGreedyText("mixtral");
    }

    @Test
    void qwen2() throws Exception {
        assertSameGreedyText("qwen2");
    }

    private static int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = TinyStories.BOS;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private static void assertSameGreedyText(String name) throws Exception {
        LlamaModel oracle = oracles.get(name);
        try (GgufFile f = GgufFile.open(files.get(name)); Compute compute = new Compute(1)) {
            Model model = Model.load(f, compute);
            for (String prompt : PROMPTS) {
                int[] ids = withBos(oracle.encode(prompt)); // llama.cpp's completion puts BOS first
                String expected = oracle.complete(new InferenceParameters(prompt).setNPredict(STEPS)
                        .setTemperature(0f).setIgnoreEos(true).setCachePrompt(false));
                assertThat(TinyStories.greedy(model, ids, STEPS)).as("%s: prompt '%s'", name, prompt)
                        .doesNotContain(TinyStories.EOS)
                        .satisfies(t -> assertThat(oracle.decode(t)).isEqualTo(expected));
            }
        }
    }
}
