package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import io.flotilla.gguf.GgufFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our SPM tokenizer against llama.cpp itself (de.kherud:llama) on the real TinyStories model. */
class TinyStoriesLlamaCppOracleTest {
    private static LlamaModel llamaCpp;
    private static Tokenizer tokenizer;
    private static Path dir;

    @BeforeAll
    static void load() throws Exception {
        dir = VocabTestFiles.shared().resolve("models/tinystories-656k");
        Path model = dir.resolve("TinyStories-656K-Q8_0.gguf");
        assumeTrue(Files.exists(model), "model not found: " + model);
        try (GgufFile f = GgufFile.open(model)) {
            tokenizer = Tokenizer.fromGguf(f.metadata());
        }
        llamaCpp = new LlamaModel(new ModelParameters().setModel(model.toString()).setThreads(1).setGpuLayers(0));
    }

    @AfterAll
    static void close() {
        if (llamaCpp != null) {
            llamaCpp.close();
        }
    }

    @Test
    void storiesTokenizeAsInLlamaCpp() throws Exception {
        // llama.cpp aborts on characters without a token here (this vocabulary has no byte tokens): ASCII only
        List<String> texts = new ArrayList<>(List.of("Once upon a time", " leading space", "two  spaces\n",
                "<|end_story|> is a control token<|start_story|>", "x\n\n\ny", ""));
        String corpus = Files.readString(VocabTestFiles.shared().resolve("corpora/tinystories-200k.txt"),
                StandardCharsets.UTF_8);
        for (int start = 0; start + 600 < corpus.length() && texts.size() < 120; start += 1597) {
            String passage = corpus.substring(start, start + 600);
            if (passage.chars().allMatch(c -> c == '\n' || (c >= ' ' && c < 0x7F))) {
                texts.add(passage);
            }
        }
        assertThat(texts).hasSizeGreaterThan(50);
        for (String text : texts) {
            int[] expected = llamaCpp.encode(text); // the binding tokenizes with parse_special = true
            assertThat(tokenizer.encode(text, false, true)).as("'%s'", text).containsExactly(expected);
            assertThat(tokenizer.decode(tokenizer.encode(text, false, false))).as("decode '%s'", text).isEqualTo(text);
        }
    }
}
