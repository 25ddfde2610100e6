package io.flotilla;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.gguf.GgufWriter;
import io.flotilla.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Path;

/** The "float copy" of a GGUF model that greedy text is compared on. */
public final class FloatCopy {
    private FloatCopy() {}

    /**
     * Writes {@code source} with every tensor dequantized to F32 (the "float copy" that greedy text
     * is compared on: llama.cpp builds disagree with each other on quantized weights).
     */
    public static Path write(Path source, Path target) throws IOException {
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
