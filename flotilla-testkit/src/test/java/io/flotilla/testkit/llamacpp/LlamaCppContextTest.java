package io.flotilla.testkit.llamacpp;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.testkit.SharedData;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LlamaCppContextTest {
    @Test
    void decodesAndGivesTheSameLogitsForTheSamePrefix() {
        try (LlamaCppContext llama = LlamaCppContext.open(SharedData.tinyStoriesGguf(), 32, 16, 16, 1)) {
            assertThat(llama.vocabSize()).isGreaterThan(100);
            int[] tokens = {1, 20, 30, 40};
            llama.decode(tokens, tokens.length, 0, true);
            float[] whole = llama.logits(3).toArray(JAVA_FLOAT);
            float[] second = llama.logits(1).toArray(JAVA_FLOAT);

            llama.clear();
            llama.decode(tokens, 2, 0, false);
            assertThat(llama.logits(1).toArray(JAVA_FLOAT)).containsExactly(second);
            llama.decode(new int[] {30, 40}, 2, 2, false);
            MemorySegment last = llama.logits(1);
            assertThat(last.byteSize()).isEqualTo(4L * llama.vocabSize());
            // the cache carries the first two tokens: same logits as one batch, up to batch-size rounding
            float[] split = last.toArray(JAVA_FLOAT);
            for (int i = 0; i < whole.length; i++) {
                assertThat(split[i]).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-3f));
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusesWhatDoesNotFit() throws Exception {
        try (LlamaCppContext llama = LlamaCppContext.open(SharedData.tinyStoriesGguf(), 32, 4, 4, 1)) {
            assertThatThrownBy(() -> llama.decode(new int[5], 5, 0, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 tokens")
                    .hasMessageContaining("batch of 4");
        }
    }

    @Test
    void namesAMissingFileAndBadSizes() {
        assertThatThrownBy(() -> LlamaCppContext.open(Path.of("no/such/model.gguf"), 32, 4, 4, 1))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("no/such/model.gguf");
        assertThatThrownBy(() -> LlamaCppContext.open(SharedData.tinyStoriesGguf(), 0, 4, 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context 0");
    }
}
