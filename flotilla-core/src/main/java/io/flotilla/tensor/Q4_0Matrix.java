package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 weights as {@code f16 d; u8 qs[16]} (18 bytes). Weight {@code j < 16} is the
 * low nibble of {@code qs[j]}, weight {@code j + 16} the high nibble; {@code w = d * (q - 8)}.
 */
final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(blk + 2 + j);
                dst[o + j] = d * ((q & 0xF) - 8);
                dst[o + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }
}
