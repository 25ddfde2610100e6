package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_0: blocks of 32 weights as {@code f16 d; u32 qh; u8 qs[16]} (22 bytes). The low four bits
 * are nibbles as in Q4_0; bit {@code j} of the little-endian {@code qh} is the fifth bit of weight
 * {@code j}; {@code w = d * (q - 16)}.
 */
final class Q5_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 22;

    Q5_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q5_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            int qh = data.get(I32, blk + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(blk + 6 + j);
                int lo = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[o + j] = d * (lo - 16);
                dst[o + j + 16] = d * (hi - 16);
            }
        }
    }
}
