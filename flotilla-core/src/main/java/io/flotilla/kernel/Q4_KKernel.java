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

    // The vector loops walk sub-blocks of 32 one at a time, like Q4_0: bodies with more vector calls
    // than that exceed C2's inlining node budget, and a vector call that is not inlined boxes.

    @Override
    float dot(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        int bo = qo / 32;
        FloatVector acc = FloatVector.zero(Lanes.F);
        float mins = 0f;
        for (int j = 0; j < cols / 32; j++) {
            long blk = row + (long) BLOCK_BYTES * (j >>> 3);
            int sub = j & 7;
            long qs = blk + 16 + 32 * (sub >>> 1);
            int shift = 4 * (sub & 1);
            ShortVector q0 = nibbles(u8(w, qs), shift);
            ShortVector q1 = nibbles(u8(w, qs + 16), shift);
            int ao = qo + 32 * j;
            float da = a.d[bo + j];
            acc = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), f16(w, blk) * scale(w, blk + 4, sub) * da,
                    acc);
            mins += f16(w, blk + 2) * min(w, blk + 4, sub) * da * a.sum[bo + j];
        }
        return Lanes.sum(acc) - mins;
    }

    /** Low ({@code shift == 0}) or high nibbles; constant shifts compile better than a variable one. */
    private static ShortVector nibbles(ShortVector v, int shift) {
        return shift == 0 ? v.and((short) 0xF) : v.lanewise(VectorOperators.LSHR, 4);
    }

    @Override
    void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride) {
        int cols = a.cols();
        int q0t = t * cols;
        int b0 = q0t / 32;
        int bpt = cols / 32;
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float mins0 = 0f;
        float mins1 = 0f;
        float mins2 = 0f;
        float mins3 = 0f;
        for (int j = 0; j < bpt; j++) {
            long blk = row + (long) BLOCK_BYTES * (j >>> 3);
            int sub = j & 7;
            long qs = blk + 16 + 32 * (sub >>> 1);
            int shift = 4 * (sub & 1);
            ShortVector q0 = nibbles(u8(w, qs), shift);
            ShortVector q1 = nibbles(u8(w, qs + 16), shift);
            float sc = f16(w, blk) * scale(w, blk + 4, sub);
            float m = f16(w, blk + 2) * min(w, blk + 4, sub);
            int ao = q0t + 32 * j;
            int bi = b0 + j;
            acc0 = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), sc * a.d[bi], acc0);
            mins0 += m * a.d[bi] * a.sum[bi];
            ao += cols;
            bi += bpt;
            acc1 = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), sc * a.d[bi], acc1);
            mins1 += m * a.d[bi] * a.sum[bi];
            ao += cols;
            bi += bpt;
            acc2 = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), sc * a.d[bi], acc2);
            mins2 += m * a.d[bi] * a.sum[bi];
            ao += cols;
            bi += bpt;
            acc3 = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), sc * a.d[bi], acc3);
            mins3 += m * a.d[bi] * a.sum[bi];
        }
        out[o] = Lanes.sum(acc0) - mins0;
        out[o + stride] = Lanes.sum(acc1) - mins1;
        out[o + 2 * stride] = Lanes.sum(acc2) - mins2;
        out[o + 3 * stride] = Lanes.sum(acc3) - mins3;
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
