package io.flotilla;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.gguf.GgufWriter;
import io.flotilla.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (real models, tokenizers, test vectors); tests that need it skip when absent. */
public final class SharedData {
    private SharedData() {}

    public static Path dir() {
        String prop = System.getProperty("flotilla.shared", "../shared");
        Path p = Path.of(prop).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(p), "../shared not found at " + p + ": skipping a test that needs real data");
        return p;
    }

    /** A file under ../shared; the test is skipped when it is absent. */
    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        assumeTrue(Files.exists(p), relative + " not found under " + dir() + ": skipping");
        return p;
    }

    public static Path tinyStoriesGguf() {
        return file("models/tinystories-656k/TinyStories-656K-Q8_0.gguf");
    }

    /**
     * Writes {@code source} with every tensor dequantized to F32 (the "float copy" that greedy text
     * is compared on: llama.cpp builds disagree with each other on quantized weights).
     */
    public static Path f32Copy(Path source, Path target) throws IOException {
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata()).putUInt32("general.file_type", 0);
            for (GgufTensorInfo t : f.tensors()) {
                int cols = Math.toIntExact(t.ne(0));
                int rows = Math.toIntExact(t.elements() / cols);
                WeightMatrix m = WeightMatrix.of(t.type(), f.data(t), rows, cols);
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
}
