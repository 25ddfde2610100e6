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
 * Q6_K weights (210-byte super-blocks: ql[128], qh[64], int8 scales[16], f16 d) against
 * activations in blocks of 32. Sixteen weights (one sub-block, one scale) make one short vector:
 * for half {@code h} and lane offset {@code l0} (0 or 16), the four segments {@code s} take their
 * low bits from the low/high nibbles of {@code ql} and their high bits from bit pair {@code s}
 * of {@code qh}; {@code (q - 32)·qa} fits a short.
 */
final class Q6_KKernel extends DotKernel {
    static final int BLOCK_BYTES = 210;

    @Override
    boolean quantized() {
        return true;
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        int bo = qo / 32;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk + 208);
            for (int h = 0; h < 2; h++) {
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    ShortVector v0 = u8(w, blk + 64 * h + l0);
                    ShortVector v1 = u8(w, blk + 64 * h + 32 + l0);
                    ShortVector vh = u8(w, blk + 128 + 32 * h + l0).lanewise(VectorOperators.LSHL, 4);
                    ShortVector q0 = v0.and((short) 0xF).or(vh.and((short) 0x30)).sub((short) 32);
                    ShortVector q1 = v1.and((short) 0xF).or(vh.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                            .sub((short) 32);
                    ShortVector q2 = v0.lanewise(VectorOperators.LSHR, 4)
                            .or(vh.lanewise(VectorOperators.LSHR, 4).and((short) 0x30)).sub((short) 32);
                    ShortVector q3 = v1.lanewise(VectorOperators.LSHR, 4)
                            .or(vh.lanewise(VectorOperators.LSHR, 6).and((short) 0x30)).sub((short) 32);
                    long sc = blk + 192 + 8 * h + l0 / 16;
                    float s0 = d * scaleAt(w, sc);
                    float s1 = d * scaleAt(w, sc + 2);
                    float s2 = d * scaleAt(w, sc + 4);
                    float s3 = d * scaleAt(w, sc + 6);
                    int ao = qo + 256 * sb + 128 * h + l0;
                    int bi = bo + 8 * sb + 4 * h;
                    acc = group(q0, q1, q2, q3, s0, s1, s2, s3, a, ao, bi, acc);
                }
            }
        }
        return Lanes.sum(acc);
    }

    /** The four 16-weight groups decoded from one lane offset, against one token at ao / block bi. */
    private static FloatVector group(ShortVector q0, ShortVector q1, ShortVector q2, ShortVector q3, float s0,
            float s1, float s2, float s3, Activations a, int ao, int bi, FloatVector acc) {
        acc = madd(q0.mul(act(a.q, ao)), s0 * a.d[bi], acc);
        acc = madd(q1.mul(act(a.q, ao + 32)), s1 * a.d[bi + 1], acc);
        acc = madd(q2.mul(act(a.q, ao + 64)), s2 * a.d[bi + 2], acc);
        return madd(q3.mul(act(a.q, ao + 96)), s3 * a.d[bi + 3], acc);
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
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk + 208);
            for (int h = 0; h < 2; h++) {
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    ShortVector v0 = u8(w, blk + 64 * h + l0);
                    ShortVector v1 = u8(w, blk + 64 * h + 32 + l0);
                    ShortVector vh = u8(w, blk + 128 + 32 * h + l0).lanewise(VectorOperators.LSHL, 4);
                    ShortVector q0 = v0.and((short) 0xF).or(vh.and((short) 0x30)).sub((short) 32);
                    ShortVector q1 = v1.and((short) 0xF).or(vh.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                            .sub((short) 32);
                    ShortVector q2 = v0.lanewise(VectorOperators.LSHR, 4)
                            .or(vh.lanewise(VectorOperators.LSHR, 4).and((short) 0x30)).sub((short) 32);
                    ShortVector q3 = v1.lanewise(VectorOperators.LSHR, 4)
                            .or(vh.lanewise(VectorOperators.LSHR, 6).and((short) 0x30)).sub((short) 32);
                    long sc = blk + 192 + 8 * h + l0 / 16;
                    float s0 = d * scaleAt(w, sc);
                    float s1 = d * scaleAt(w, sc + 2);
                    float s2 = d * scaleAt(w, sc + 4);
                    float s3 = d * scaleAt(w, sc + 6);
                    int ao = q0t + 256 * sb + 128 * h + l0;
                    int bi = b0 + 8 * sb + 4 * h;
                    acc0 = group(q0, q1, q2, q3, s0, s1, s2, s3, a, ao, bi, acc0);
                    acc1 = group(q0, q1, q2, q3, s0, s1, s2, s3, a, ao + cols, bi + bpt, acc1);
                    acc2 = group(q0, q1, q2, q3, s0, s1, s2, s3, a, ao + 2 * cols, bi + 2 * bpt, acc2);
                    acc3 = group(q0, q1, q2, q3, s0, s1, s2, s3, a, ao + 3 * cols, bi + 3 * bpt, acc3);
                }
            }
        }
        out[o] = Lanes.sum(acc0);
        out[o + stride] = Lanes.sum(acc1);
        out[o + 2 * stride] = Lanes.sum(acc2);
        out[o + 3 * stride] = Lanes.sum(acc3);
    }

    private static int scaleAt(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off);
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        float sum = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk + 208);
            for (int k = 0; k < 16; k++) { // sub-block k: weights 16k .. 16k+15
                int h = k / 8;
                int seg = (k % 8) / 2;
                int l0 = 16 * (k % 2);
                int s = 0;
                for (int l = l0; l < l0 + 16; l++) {
                    int ql = w.get(ValueLayout.JAVA_BYTE, blk + 64 * h + 32 * (seg % 2) + l) & 0xFF;
                    int qh = w.get(ValueLayout.JAVA_BYTE, blk + 128 + 32 * h + l) & 0xFF;
                    int q = ((seg < 2 ? ql & 0xF : ql >>> 4) | ((qh >>> (2 * seg)) & 3) << 4) - 32;
                    s += q * a.q[qo + 256 * sb + 16 * k + (l - l0)];
                }
                sum += d * scaleAt(w, blk + 192 + k) * a.d[(qo + 256 * sb + 16 * k) / 32] * s;
            }
        }
        return sum;
    }
}
