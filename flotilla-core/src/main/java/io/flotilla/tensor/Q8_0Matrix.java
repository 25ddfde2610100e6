package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Q8_0: blocks of 32 weights as {@code f16 d; int8 q[32]} (34 bytes); {@code w = d * q}. */
final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q8_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = d * s8(blk + 2 + i);
            }
        }
    }
}
