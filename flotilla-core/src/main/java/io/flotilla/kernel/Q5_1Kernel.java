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
 * Q5_1 weights (24-byte blocks: f16 d, f16 m, u32 fifth bits, 16 bytes of nibbles) against
 * Q8_0 activations: {@code d·da·Σ q·qa + m·da·Σ qa}.
 */
final class Q5_1Kernel extends DotKernel {
    static final int BLOCK_BYTES = 24;

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
        float offset = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            ShortVector q = u8(w, blk + 8);
            ShortVector lo = q.and((short) 0xF);
            ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
            int qh = w.get(Lanes.I32, blk + 4);
            lo = lo.or(Lanes.fifthBits(qh));
            hi = hi.or(Lanes.fifthBits(qh >>> 16));
            ShortVector p = lo.mul(act(a.q, qo + 32 * b)).add(hi.mul(act(a.q, qo + 32 * b + 16)));
            float da = a.d[bo + b];
            acc = madd(p, f16(w, blk) * da, acc);
            offset += f16(w, blk + 2) * da * a.sum[bo + b];
        }
        return Lanes.sum(acc) + offset;
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        float sum = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            int qh = w.get(Lanes.I32, blk + 4);
            int s = 0;
            int sa = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, blk + 8 + j) & 0xFF;
                int lo = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int hi = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                s += lo * a.q[qo + 32 * b + j] + hi * a.q[qo + 32 * b + 16 + j];
                sa += a.q[qo + 32 * b + j] + a.q[qo + 32 * b + 16 + j];
            }
            float da = a.d[qo / 32 + b];
            sum += s * (f16(w, blk) * da) + f16(w, blk + 2) * da * sa;
        }
        return sum;
    }
}
