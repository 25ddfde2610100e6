package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Plain little-endian float32 rows. */
final class F32Matrix extends WeightMatrix {

    F32Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.F32);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = data.get(F32, base + 4L * i);
        }
    }
}
