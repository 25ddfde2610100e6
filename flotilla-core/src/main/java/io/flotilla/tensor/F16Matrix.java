package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** IEEE half-precision rows. */
final class F16Matrix extends WeightMatrix {

    F16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.F16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = Float.float16ToFloat(data.get(I16, base + 2L * i));
        }
    }
}
