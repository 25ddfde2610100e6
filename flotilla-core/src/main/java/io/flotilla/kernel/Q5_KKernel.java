package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;
import static io.flotilla.kernel.Q4_KKernel.byteAt;
import static io.flotilla.kernel.Q4_KKernel.min;
import static io.flotilla.kernel.Q4_KKernel.scale;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K weights (176-byte super-blocks: f16 d, f16 dmin, 12 scale bytes, 32 bytes of fifth bits,
 * 128 bytes of nibbles) against activations in blocks of 32, as {@link Q4_KKernel}; the fifth bit
 * of weight {@code l} of sub-block {@code j} is bit {@code j} of {@code qh[l]}.
 */
final class Q5_KKernel extends DotKernel {
    static final int BLOCK_BYTES = 176;

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
        float mins = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            ShortVector h0 = u8(w, blk + 16);
            ShortVector h1 = u8(w, blk + 32);
            for (int c = 0; c < 4; c++) {
                ShortVector v0 = u8(w, blk + 48 + 32 * c);
                ShortVector v1 = u8(w, blk + 64 + 32 * c);
                ShortVector g0 = h0.lanewise(VectorOperators.LSHR, 2 * c);
                ShortVector g1 = h1.lanewise(VectorOperators.LSHR, 2 * c);
                int ao = qo + 256 * sb + 64 * c;
                int bi = bo + 8 * sb + 2 * c;
                ShortVector p0 = fifth(v0.and((short) 0xF), g0).mul(act(a.q, ao))
                        .add(fifth(v1.and((short) 0xF), g1).mul(act(a.q, ao + 16)));
                ShortVector p1 = fifth(v0.lanewise(VectorOperators.LSHR, 4), g0.lanewise(VectorOperators.LSHR, 1))
                        .mul(act(a.q, ao + 32))
                        .add(fifth(v1.lanewise(VectorOperators.LSHR, 4), g1.lanewise(VectorOperators.LSHR, 1))
                        .mul(act(a.q, ao + 48)));
                acc = madd(p0, d * scale(w, blk + 4, 2 * c) * a.d[bi], acc);
                acc = madd(p1, d * scale(w, blk + 4, 2 * c + 1) * a.d[bi + 1], acc);
                mins += dmin * (min(w, blk + 4, 2 * c) * a.d[bi] * a.sum[bi]
                        + min(w, blk + 4, 2 * c + 1) * a.d[bi + 1] * a.sum[bi + 1]);
            }
        }
        return Lanes.sum(acc) - mins;
    }

    /** {@code low | 16} where bit 0 of {@code bits} is set. */
    private static ShortVector fifth(ShortVector low, ShortVector bits) {
        return low.or(bits.and((short) 1).lanewise(VectorOperators.LSHL, 4));
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
                    int q = (byteAt(w, blk + 48 + 32 * c + l) >>> shift) & 0xF;
                    q |= ((byteAt(w, blk + 16 + l) >>> j) & 1) << 4;
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
