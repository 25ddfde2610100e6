package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_1: blocks of 32 weights as {@code f16 d; f16 m; u8 qs[16]} (20 bytes), nibbles as in Q4_0;
 * {@code w = d * q + m}.
 */
final class Q4_1Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 20;

    Q4_1Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            float m = f16(blk + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(blk + 4 + j);
                dst[o + j] = d * (q & 0xF) + m;
                dst[o + j + 16] = d * (q >>> 4) + m;
            }
        }
    }
}
