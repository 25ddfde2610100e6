package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgufFile;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real TinyStories-656K model: its GGUF tokenizer (SPM) agrees with its Hugging Face tokenizer.json (BPE). */
class TinyStoriesTokenizerTest {
    private static Tokenizer gguf;
    private static Tokenizer huggingFace;

    @BeforeAll
    static void load() throws Exception {
        Path dir = VocabTestFiles.shared().resolve("models/tinystories-656k");
        try (GgufFile f = GgufFile.open(dir.resolve("TinyStories-656K-Q8_0.gguf"))) {
            gguf = Tokenizer.fromGguf(f.metadata());
        }
        huggingFace = Tokenizer.fromHuggingFace(dir.resolve("tokenizer.json"));
    }

    @Test
    void onceUponATimeMatchesHuggingFace() {
        int[] ids = gguf.encode("Once upon a time", true, false);
        assertThat(ids).containsExactly(huggingFace.encode("Once upon a time", true, false));
        assertThat(ids[0]).isEqualTo(gguf.bos()).isEqualTo(1);
        assertThat(gguf.decode(ids)).isEqualTo(" Once upon a time"); // llama.cpp keeps the space after BOS
        assertThat(gguf.decode(java.util.Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo("Once upon a time");
    }

    @Test
    void metadataIsRead() {
        assertThat(gguf.vocabSize()).isEqualTo(2048);
        assertThat(gguf.addBos()).isTrue();
        assertThat(gguf.eos()).isEqualTo(2);
        assertThat(gguf.isEndOfGeneration(2)).isTrue();
        assertThat(gguf.isEndOfGeneration(1)).isFalse();
        assertThat(gguf.tokenText(2)).isEqualTo("<|end_story|>");
        assertThat(huggingFace.bos()).isEqualTo(1);
        assertThat(huggingFace.eos()).isEqualTo(2);
    }

    /**
     * Past short phrases the two disagree by design: the GGUF stores every score as -1000, so
     * llama.cpp's SPM merges leftmost-first where Hugging Face's BPE merges by rank. The expected
     * ids are llama.cpp's (de.kherud:llama 4.2.0 on this model, see TinyStoriesLlamaCppOracleTest).
     */
    @Test
    void storyTextMatchesLlamaCpp() {
        String text = "One day, a little girl named Lily found a needle in her room. She knew it was difficult to play with it.";
        assertThat(gguf.encode(text, false, false)).containsExactly(80, 429, 158, 420, 177, 1168, 303, 480, 148, 82,
                134, 1148, 177, 1051, 652, 163, 641, 478, 535, 640, 345, 73, 64, 364, 1607, 10);
        assertThat(gguf.decode(gguf.encode(text, false, false))).isEqualTo(text);
        assertThat(huggingFace.decode(huggingFace.encode(text, false, false))).isEqualTo(text);
    }
}
