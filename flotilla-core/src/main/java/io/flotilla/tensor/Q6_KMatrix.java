package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K: super-blocks of 256 weights as {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d} (210
 * bytes), sixteen sub-blocks of 16 with an 8-bit signed scale. Each half {@code h} (128 weights)
 * uses {@code ql[64h ..+64]} and {@code qh[32h ..+32]}: for {@code l < 32}, weights {@code l},
 * {@code l+32}, {@code l+64}, {@code l+96} take low bits from the low nibble of {@code ql[l]},
 * {@code ql[l+32]}, the high nibble of {@code ql[l]}, {@code ql[l+32]}, and high bits from bit
 * pairs 0, 1, 2, 3 of {@code qh[l]}; {@code w = d * scale * (q - 32)}.
 */
final class Q6_KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 210;

    Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q6_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + (long) BLOCK_BYTES * b;
            float d = f16(blk + 208);
            for (int h = 0; h < 2; h++) {
                long ql = blk + 64 * h;
                long qh = blk + 128 + 32 * h;
                long sc = blk + 192 + 8 * h;
                int o = off + b * 256 + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo = u8(ql + l);
                    int hi = u8(ql + l + 32);
                    int bits = u8(qh + l);
                    dst[o + l] = d * s8(sc + is) * (((lo & 0xF) | (bits & 3) << 4) - 32);
                    dst[o + l + 32] = d * s8(sc + is + 2) * (((hi & 0xF) | ((bits >>> 2) & 3) << 4) - 32);
                    dst[o + l + 64] = d * s8(sc + is + 4) * (((lo >>> 4) | ((bits >>> 4) & 3) << 4) - 32);
                    dst[o + l + 96] = d * s8(sc + is + 6) * (((hi >>> 4) | ((bits >>> 6) & 3) << 4) - 32);
                }
            }
        }
    }
}
