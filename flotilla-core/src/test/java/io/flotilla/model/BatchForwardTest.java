package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batched forward over a paged cache gives each sequence the logits it gets alone, bit for
 * bit: mixed prefill chunks and decode tokens, scattered blocks, a shared cached prefix, and
 * pipeline stages; on the real TinyStories model and on random MoE and biased models.
 */
class BatchForwardTest {
    private static final int BS = 4; // tokens per block

    @TempDir
    Path tmp;

    @Test
    void mixedBatchesMatchEachSequenceAloneOnTinyStories() throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(2)) {
            checkMixedBatches(Model.load(f, compute));
        }
    }

    @Test
    void mixedBatchesMatchOnMoeAndBiasedModels() throws Exception {
        for (RandomModels.Spec spec : List.of(RandomModels.Spec.mixtral(), RandomModels.Spec.of("qwen2"),
                RandomModels.Spec.of("qwen3moe"))) {
            Path p = RandomModels.write(spec, tmp.resolve(spec.arch() + spec.experts() + ".gguf"), 7);
            try (GgufFile f = GgufFile.open(p); Compute compute = new Compute(2)) {
                checkMixedBatches(Model.load(f, compute));
            }
        }
    }

    /**
     * Three sequences over three steps. A (11 tokens) and B (9) start together, B in two chunks; C
     * shares A's first two blocks (8 tokens) and computes only from position 8; A decodes.
     */
    private static void checkMixedBatches(Model model) {
        int vocab = model.config().vocabSize();
        int[] a = tokens(11, 1, vocab);
        int[] b = tokens(9, 2, vocab);
        int[] c = Arrays.copyOf(a, 13);
        System.arraycopy(tokens(5, 3, vocab), 0, c, 8, 5);
        int[] tableA = {7, 2, 9, 0};
        int[] tableB = {4, 11, 5};
        int[] tableC = {7, 2, 6, 1};
        BatchState s = model.newBatchState(12, BS, 32);

        float[] got = model.forward(s, new Batch(BS, List.of(chunk(0, 11, tableA, true), chunk(0, 5, tableB, false))),
                concat(a, 0, 11, b, 0, 5));
        assertThat(row(got, 0, vocab)).isEqualTo(alone(model, a, 11));

        int next = TinyStories.argmax(row(got, 0, vocab));
        int[] a2 = Arrays.copyOf(a, 12);
        a2[11] = next;
        got = model.forward(s, new Batch(BS, List.of(chunk(11, 1, tableA, true), chunk(5, 4, tableB, true),
                chunk(8, 5, tableC, true))), concat(new int[] {next}, 0, 1, b, 5, 4, c, 8, 5));
        assertThat(row(got, 0, vocab)).as("A decodes").isEqualTo(alone(model, a2, 12));
        assertThat(row(got, 1, vocab)).as("B's second chunk").isEqualTo(alone(model, b, 9));
        assertThat(row(got, 2, vocab)).as("C over A's cached blocks").isEqualTo(alone(model, c, 13));
    }

    @Test
    void stagesOverPagedCachesComposeBitForBit() throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(1)) {
            Model model = Model.load(f, compute);
            int[] a = tokens(10, 4, 2048);
            int[] b = tokens(6, 5, 2048);
            Batch batch = new Batch(BS, List.of(chunk(0, 10, new int[] {3, 1, 0}, true),
                    chunk(0, 6, new int[] {2, 4}, true)));
            float[] whole = model.forward(model.newBatchState(6, BS, 16), batch, concat(a, 0, 10, b, 0, 6)).clone();
            ModelStage first = model.stage(0, 1);
            ModelStage last = model.stage(1, 2);
            float[] hidden = new float[16 * model.config().dim()];
            first.embed(concat(a, 0, 10, b, 0, 6), 0, 16, hidden);
            first.forward(first.newBatchState(6, BS, 16), batch, hidden);
            BatchState sl = last.newBatchState(6, BS, 16);
            last.forward(sl, batch, hidden);
            float[] logits = last.logits(sl, batch, hidden);
            assertThat(Arrays.copyOf(logits, 2 * 2048)).isEqualTo(Arrays.copyOf(whole, 2 * 2048));
            assertThat(Arrays.copyOf(whole, 2048)).isEqualTo(alone(model, a, 10));
        }
    }

    @Test
    void refusesBatchesThatDoNotFitTheState() throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(1)) {
            Model model = Model.load(f, compute);
            BatchState s = model.newBatchState(4, BS, 8);
            assertThatThrownBy(() -> model.forward(s, new Batch(BS, List.of(chunk(0, 9, new int[] {0, 1, 2}, true))),
                    new int[9])).hasMessageContaining("exceeds the state's 8");
            assertThatThrownBy(() -> model.forward(s, new Batch(BS, List.of(chunk(0, 2, new int[] {4}, true))),
                    new int[2])).hasMessageContaining("block id 4");
            assertThatThrownBy(() -> new Batch(BS, List.of(chunk(3, 2, new int[] {0}, true))))
                    .hasMessageContaining("cannot hold positions up to 5");
        }
    }

    /** Logits of the last of {@code tokens[0, n)} through the single-sequence path. */
    private static float[] alone(Model model, int[] tokens, int n) {
        return model.forward(model.newState(32), tokens, 0, n, false).clone();
    }

    private static Batch.Sequence chunk(int start, int n, int[] table, boolean logits) {
        return new Batch.Sequence(start, n, table, logits);
    }

    private static float[] row(float[] x, int r, int width) {
        return Arrays.copyOfRange(x, r * width, (r + 1) * width);
    }

    private static int[] tokens(int n, int salt, int vocab) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + (i * 37 + salt * 101) % (vocab - 3);
        }
        return t;
    }

    /** Concatenates (array, offset, length) triples. */
    private static int[] concat(Object... parts) {
        int n = 0;
        for (int i = 0; i < parts.length; i += 3) {
            n += (Integer) parts[i + 2];
        }
        int[] out = new int[n];
        int o = 0;
        for (int i = 0; i < parts.length; i += 3) {
            int len = (Integer) parts[i + 2];
            System.arraycopy((int[]) parts[i], (Integer) parts[i + 1], out, o, len);
            o += len;
        }
        return out;
    }
}
