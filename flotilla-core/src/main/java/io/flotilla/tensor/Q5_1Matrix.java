package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_1: blocks of 32 weights as {@code f16 d; f16 m; u32 qh; u8 qs[16]} (24 bytes), bits as in
 * Q5_0; {@code w = d * q + m}.
 */
final class Q5_1Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 24;

    Q5_1Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q5_1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            float m = f16(blk + 2);
            int qh = data.get(I32, blk + 4);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(blk + 8 + j);
                int lo = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[o + j] = d * lo + m;
                dst[o + j + 16] = d * hi + m;
            }
        }
    }
}
