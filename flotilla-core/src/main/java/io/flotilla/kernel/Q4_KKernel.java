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

    // The vector loop walks sub-blocks of 32 one at a time, like Q4_0. It runs at about a third of
    // Q4_0's speed for reasons not found yet (see MatVecBench); a four-token tile written like
    // Q4_0's ran slower than four single-token calls, so there is none.

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
