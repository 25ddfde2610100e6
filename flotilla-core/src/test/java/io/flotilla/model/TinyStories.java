package io.flotilla.model;

import io.flotilla.FloatCopy;
import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.testkit.SharedData;
import java.io.IOException;
import java.nio.file.Path;

/** The real TinyStories-656K model of ../shared, and its float copy for parity tests. */
final class TinyStories {
    static final int BOS = 1;
    static final int EOS = 2;

    private TinyStories() {}

    static Path q8() {
        return SharedData.tinyStoriesGguf();
    }

    /** The Q8_0 model opened on its own {@link Compute} of {@code threads}; closing frees both. */
    record Loaded(GgufFile file, Compute compute, Model model) implements AutoCloseable {
        static Loaded open(int threads) throws IOException {
            GgufFile file = GgufFile.open(q8());
            Compute compute = new Compute(threads);
            return new Loaded(file, compute, Model.load(file, compute));
        }

        @Override
        public void close() {
            compute.close();
            file.close();
        }
    }

    /** Writes {@code source} with every tensor dequantized to F32 (metadata unchanged but the file type). */
    static Path writeF32Copy(Path source, Path target) throws IOException {
        return FloatCopy.write(source, target);
    }

    /** Greedy continuation of {@code prompt} for {@code steps} tokens. */
    static int[] greedy(Model model, int[] prompt, int steps) {
        InferenceState s = model.newState(prompt.length + steps);
        float[] logits = model.forward(s, prompt, 0, prompt.length, false);
        int[] out = new int[steps];
        int[] one = new int[1];
        for (int i = 0; i < steps; i++) {
            out[i] = argmax(logits);
            one[0] = out[i];
            if (i + 1 < steps) {
                logits = model.forward(s, one, 0, 1, false);
            }
        }
        return out;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    static boolean isF32(Path p) throws IOException {
        try (GgufFile f = GgufFile.open(p)) {
            return f.tensors().stream().allMatch(t -> t.type() == GgmlType.F32);
        }
    }
}
