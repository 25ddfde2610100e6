package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Working buffers grown on demand, on the real TinyStories-656K. */
class InferenceStateTest {
    private static final int[] PROMPT = {1, 80, 147, 201, 282, 8, 291, 171, 57, 254, 462, 33, 90, 12, 7, 300, 41, 5, 9, 77};

    private static TinyStories.Loaded tiny;
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        tiny = TinyStories.Loaded.open(2);
        model = tiny.model();
    }

    @AfterAll
    static void close() {
        if (tiny != null) {
            tiny.close();
        }
    }

    @Test
    void buffersGrowToTheLargestPassOnly() {
        InferenceState s = model.newState(256);
        assertThat(s.batchSize()).isEqualTo(256);
        assertThat(s.activations().batch).isEqualTo(1);
        model.forward(s, PROMPT, 0, 1, false);
        assertThat(s.activations().batch).isEqualTo(1);
        model.forward(s, PROMPT, 1, 5, false);
        assertThat(s.activations().batch).isEqualTo(5);
        model.forward(s, PROMPT, 6, 1, false);
        assertThat(s.activations().batch).isEqualTo(5);
        model.forward(s, PROMPT, 7, 6, false);
        assertThat(s.activations().batch).isEqualTo(10); // doubled: fewer regrowths on a growing prompt
    }

    @Test
    void grownBuffersAndChunksGiveTheSameLogitsAsOnePass() {
        tiny.compute().batchInvariant(true); // bit for bit: chunks of 1, 1, 3 and 15 tokens take different paths through the GEMM
        try {
            chunksGiveTheSameLogitsAsOnePass();
        } finally {
            tiny.compute().batchInvariant(false);
        }
    }

    private void chunksGiveTheSameLogitsAsOnePass() {
        float[] once = model.forward(model.newState(64), PROMPT, 0, PROMPT.length, true);
        InferenceState chunked = model.stage(0, model.config().layers()).newState(64, 8);
        float[] pieces = new float[once.length];
        int vocab = model.config().vocabSize();
        int[] cuts = {0, 1, 2, 5, 20};
        for (int i = 0; i + 1 < cuts.length; i++) {
            int n = cuts[i + 1] - cuts[i];
            float[] l = model.forward(chunked, PROMPT, cuts[i], n, true);
            System.arraycopy(l, 0, pieces, cuts[i] * vocab, n * vocab);
        }
        assertThat(chunked.activations().batch).isEqualTo(8);
        assertThat(pieces).containsExactly(once);
    }
}
