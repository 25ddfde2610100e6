package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** bfloat16 rows: the top 16 bits of a float32. */
final class Bf16Matrix extends WeightMatrix {
    Bf16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.BF16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = Float.intBitsToFloat((data.get(I16, base + 2L * i) & 0xFFFF) << 16);
        }
    }
}
