package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K weights (144-byte super-blocks of 256: f16 d, f16 dmin, 12 scale bytes, 128 bytes of
 * nibbles) against activations quantized in blocks of 32, which line up with Q4_K's sub-blocks:
 * sub-block {@code j} adds {@code d·sc_j·da·Σ q·qa - dmin·m_j·da·Σ qa}. (llama.cpp quantizes the
 * activations of K-quants per 256 instead (Q8_K); blocks of 32 are at least as accurate and let
 * every format share one activation form.)
 */
final class Q4_KKernel extends DotKernel {
    static final int BLOCK_BYTES = 144;

    @Override
    boolean quantized() {
        return true;
    }

    /** 6-bit scale {@code j} of the 12-byte field at {@code s}. */
    static int scale(MemorySegment w, long s, int j) {
        if (j < 4) {
            return byteAt(w, s + j) & 63;
        }
        return (byteAt(w, s + j + 4) & 0xF) | (byteAt(w, s + j - 4) >>> 6) << 4;
    }

    /** 6-bit min {@code j} of the 12-byte field at {@code s}. */
    static int min(MemorySegment w, long s, int j) {
        if (j < 4) {
            return byteAt(w, s + j + 4) & 63;
        }
        return (byteAt(w, s + j + 4) >>> 4) | (byteAt(w, s + j) >>> 6) << 4;
    }

    static int byteAt(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        int bo = qo / 32;
        FloatVector acc = FloatVector.zero(Lanes.F);
        float mins = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            for (int c = 0; c < 4; c++) {
                ShortVector v0 = u8(w, blk + 16 + 32 * c);
                ShortVector v1 = u8(w, blk + 32 + 32 * c);
                ShortVector l0 = v0.and((short) 0xF);
                ShortVector l1 = v1.and((short) 0xF);
                ShortVector h0 = v0.lanewise(VectorOperators.LSHR, 4);
                ShortVector h1 = v1.lanewise(VectorOperators.LSHR, 4);
                float s0 = d * scale(w, blk + 4, 2 * c);
                float s1 = d * scale(w, blk + 4, 2 * c + 1);
                float m0 = dmin * min(w, blk + 4, 2 * c);
                float m1 = dmin * min(w, blk + 4, 2 * c + 1);
                int ao = qo + 256 * sb + 64 * c;
                int bi = bo + 8 * sb + 2 * c;
                acc = chunk(l0, l1, h0, h1, s0, s1, a, ao, bi, acc);
                mins += mins(m0, m1, a, bi);
            }
        }
        return Lanes.sum(acc) - mins;
    }

    /** Sub-blocks 2c (nibbles l0, l1) and 2c+1 (h0, h1) of one token at activation offset ao, block bi. */
    static FloatVector chunk(ShortVector l0, ShortVector l1, ShortVector h0, ShortVector h1, float s0, float s1,
            Activations a, int ao, int bi, FloatVector acc) {
        ShortVector p0 = l0.mul(act(a.q, ao)).add(l1.mul(act(a.q, ao + 16)));
        ShortVector p1 = h0.mul(act(a.q, ao + 32)).add(h1.mul(act(a.q, ao + 48)));
        return madd(p1, s1 * a.d[bi + 1], madd(p0, s0 * a.d[bi], acc));
    }

    @Override
    void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride) {
        int cols = a.cols();
        int q0 = t * cols;
        int b0 = q0 / 32;
        int bpt = cols / 32;
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float mins0 = 0f;
        float mins1 = 0f;
        float mins2 = 0f;
        float mins3 = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            for (int c = 0; c < 4; c++) {
                ShortVector v0 = u8(w, blk + 16 + 32 * c);
                ShortVector v1 = u8(w, blk + 32 + 32 * c);
                ShortVector l0 = v0.and((short) 0xF);
                ShortVector l1 = v1.and((short) 0xF);
                ShortVector h0 = v0.lanewise(VectorOperators.LSHR, 4);
                ShortVector h1 = v1.lanewise(VectorOperators.LSHR, 4);
                float s0 = d * scale(w, blk + 4, 2 * c);
                float s1 = d * scale(w, blk + 4, 2 * c + 1);
                float m0 = dmin * min(w, blk + 4, 2 * c);
                float m1 = dmin * min(w, blk + 4, 2 * c + 1);
                int ao = q0 + 256 * sb + 64 * c;
                int bi = b0 + 8 * sb + 2 * c;
                acc0 = chunk(l0, l1, h0, h1, s0, s1, a, ao, bi, acc0);
                acc1 = chunk(l0, l1, h0, h1, s0, s1, a, ao + cols, bi + bpt, acc1);
                acc2 = chunk(l0, l1, h0, h1, s0, s1, a, ao + 2 * cols, bi + 2 * bpt, acc2);
                acc3 = chunk(l0, l1, h0, h1, s0, s1, a, ao + 3 * cols, bi + 3 * bpt, acc3);
                mins0 += mins(m0, m1, a, bi);
                mins1 += mins(m0, m1, a, bi + bpt);
                mins2 += mins(m0, m1, a, bi + 2 * bpt);
                mins3 += mins(m0, m1, a, bi + 3 * bpt);
            }
        }
        out[o] = Lanes.sum(acc0) - mins0;
        out[o + stride] = Lanes.sum(acc1) - mins1;
        out[o + 2 * stride] = Lanes.sum(acc2) - mins2;
        out[o + 3 * stride] = Lanes.sum(acc3) - mins3;
    }

    /** The min terms of sub-blocks at activation blocks bi, bi+1. */
    private static float mins(float m0, float m1, Activations a, int bi) {
        return m0 * a.d[bi] * a.sum[bi] + m1 * a.d[bi + 1] * a.sum[bi + 1];
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        float sum = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            for (int j = 0; j < 8; j++) {
                int c = j / 2;
                int shift = 4 * (j % 2);
                int ao = qo + 256 * sb + 32 * j;
                int s = 0;
                int sa = 0;
                for (int l = 0; l < 32; l++) {
                    int q = (byteAt(w, blk + 16 + 32 * c + l) >>> shift) & 0xF;
                    s += q * a.q[ao + l];
                    sa += a.q[ao + l];
                }
                float da = a.d[ao / 32];
                sum += d * scale(w, blk + 4, j) * da * s - dmin * min(w, blk + 4, j) * da * sa;
            }
        }
        return sum;
    }
}
