package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;
import static io.flotilla.kernel.Q4_KKernel.byteAt;
import static io.flotilla.kernel.Q4_KKernel.min;
import static io.flotilla.kernel.Q4_KKernel.packedMin;
import static io.flotilla.kernel.Q4_KKernel.packedScale;
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

    // One super-block per iteration (scales from two register loads, fifth bits loaded once), its
    // eight sub-blocks one at a time: taking them in pairs as Q4_KKernel does made the method too
    // big for C2 (NodeCountInliningCutoff: Lanes.u8 and madd were left as calls, vectors boxed,
    // three times slower).

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
            long lo = w.get(Lanes.I64, blk + 4);
            int hi = w.get(Lanes.I32, blk + 12);
            ShortVector h0 = u8(w, blk + 16).lanewise(VectorOperators.LSHL, 4); // bit j at 4 + j
            ShortVector h1 = u8(w, blk + 32).lanewise(VectorOperators.LSHL, 4);
            for (int j = 0; j < 8; j++) {
                long qs = blk + 48 + 32 * (j >>> 1);
                int shift = 4 * (j & 1);
                int ao = qo + 256 * sb + 32 * j;
                int b = bo + 8 * sb + j;
                ShortVector q0 = u8(w, qs).lanewise(VectorOperators.LSHR, shift).and((short) 0xF).or(fifth(h0, j));
                ShortVector q1 = u8(w, qs + 16).lanewise(VectorOperators.LSHR, shift).and((short) 0xF).or(fifth(h1, j));
                acc = madd(q0.mul(act(a.q, ao)).add(q1.mul(act(a.q, ao + 16))), d * packedScale(lo, hi, j) * a.d[b], acc);
                mins += dmin * packedMin(lo, hi, j) * a.d[b] * a.sum[b];
            }
        }
        return Lanes.sum(acc) - mins;
    }

    /** Bit {@code 4 + j} of each lane of {@code h} (fifth bits shifted left by 4), moved to bit 4. */
    private static ShortVector fifth(ShortVector h, int j) {
        return h.lanewise(VectorOperators.LSHR, j).and((short) 16);
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
