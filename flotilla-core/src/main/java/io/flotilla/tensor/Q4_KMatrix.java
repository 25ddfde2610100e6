package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import io.flotilla.quant.KScales;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_K: super-blocks of 256 weights as {@code f16 d; f16 dmin; u8 scales[12]; u8 qs[128]} (144
 * bytes): eight sub-blocks of 32 with 6-bit scale {@code sc} and min {@code m} ({@link KScales}).
 * Each 32-byte chunk {@code c} of {@code qs} holds sub-block {@code 2c} in its low nibbles and
 * {@code 2c+1} in its high nibbles; {@code w = d*sc*q - dmin*m}.
 */
final class Q4_KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 144;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        byte[] scales = new byte[KScales.BYTES];
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk);
            float dmin = f16(blk + 2);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, blk + 4, scales, 0, KScales.BYTES);
            for (int c = 0; c < 4; c++) {
                float d1 = d * KScales.scale(scales, 0, 2 * c);
                float m1 = dmin * KScales.min(scales, 0, 2 * c);
                float d2 = d * KScales.scale(scales, 0, 2 * c + 1);
                float m2 = dmin * KScales.min(scales, 0, 2 * c + 1);
                int o = off + b * 256 + c * 64;
                for (int l = 0; l < 32; l++) {
                    int q = u8(blk + 16 + 32 * c + l);
                    dst[o + l] = d1 * (q & 0xF) - m1;
                    dst[o + l + 32] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }
}
