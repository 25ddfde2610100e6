package io.flotilla.model;

import io.flotilla.SharedData;
import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.gguf.GgufWriter;
import io.flotilla.tensor.WeightMatrix;
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

    /** Writes {@code source} with every tensor dequantized to F32 (metadata unchanged but the file type). */
    static Path writeF32Copy(Path source, Path target) throws IOException {
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata()).putUInt32("general.file_type", 0);
            for (GgufTensorInfo t : f.tensors()) {
                int cols = Math.toIntExact(t.ne(0));
                int rows = Math.toIntExact(t.elements() / cols);
                WeightMatrix m = WeightMatrix.of(f, t.name());
                float[] data = new float[rows * cols];
                for (int r = 0; r < rows; r++) {
                    m.dequantizeRow(r, data, r * cols);
                }
                w.addTensor(t.name(), t.ne(), data);
            }
            w.write(target);
        }
        return target;
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
