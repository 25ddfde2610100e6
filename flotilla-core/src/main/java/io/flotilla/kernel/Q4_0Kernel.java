package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.ShortVector;

/**
 * Q4_0 weights (18-byte blocks: f16 d, 16 bytes of nibbles) against Q8_0 activations. Nibbles are
 * multiplied unsigned and the -8 offset is applied per block through the activation sum:
 * {@code Σ (q-8)·qa = Σ q·qa - 8·Σ qa}.
 */
final class Q4_0Kernel extends DotKernel {
    static final int BLOCK_BYTES = 18;

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
            ShortVector q = u8(w, blk + 2);
            ShortVector p = q.and((short) 0xF).mul(act(a.q, qo + 32 * b))
                    .add(q.lanewise(VectorOperators.LSHR, 4).mul(act(a.q, qo + 32 * b + 16)));
            float scale = f16(w, blk) * a.d[bo + b];
            acc = madd(p, scale, acc);
            offset += scale * a.sum[bo + b];
        }
        return Lanes.sum(acc) - 8 * offset;
    }

    @Override
    void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride, float[] lanes) {
        int cols = a.cols();
        int q0 = t * cols;
        int b0 = q0 / 32;
        int bpt = cols / 32;
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float off0 = 0f;
        float off1 = 0f;
        float off2 = 0f;
        float off3 = 0f;
        for (int b = 0; b < bpt; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            ShortVector q = u8(w, blk + 2);
            ShortVector lo = q.and((short) 0xF);
            ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
            float dw = f16(w, blk);
            int qo = q0 + 32 * b;
            int bi = b0 + b;
            float s = dw * a.d[bi];
            acc0 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), s, acc0);
            off0 += s * a.sum[bi];
            qo += cols;
            bi += bpt;
            s = dw * a.d[bi];
            acc1 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), s, acc1);
            off1 += s * a.sum[bi];
            qo += cols;
            bi += bpt;
            s = dw * a.d[bi];
            acc2 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), s, acc2);
            off2 += s * a.sum[bi];
            qo += cols;
            bi += bpt;
            s = dw * a.d[bi];
            acc3 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), s, acc3);
            off3 += s * a.sum[bi];
        }
        acc0.intoArray(lanes, 0); // lane sums from memory: four Lanes.sum(vector) calls do not fit C2's inlining budget
        acc1.intoArray(lanes, Lanes.N);
        acc2.intoArray(lanes, 2 * Lanes.N);
        acc3.intoArray(lanes, 3 * Lanes.N);
        out[o] = Lanes.sum(lanes, 0) - 8 * off0;
        out[o + stride] = Lanes.sum(lanes, 1) - 8 * off1;
        out[o + 2 * stride] = Lanes.sum(lanes, 2) - 8 * off2;
        out[o + 3 * stride] = Lanes.sum(lanes, 3) - 8 * off3;
    }

    @Override
    int tileTokens() {
        return Tiles.USABLE ? 16 : 0; // MatVecBench, 1 thread, tiles vs dot4: 0.56-0.71 vs 0.47 GB/s at 16 tokens, 0.6-0.96 vs 0.91 at 8
    }

    @Override
    float finish(float lanes, float off) {
        return lanes - 8 * off;
    }

    // dot's lane j of a block is q_j·a_j + q_{j+16}·a_{j+16}: the low nibble of byte j against the
    // first half of the activations, the high nibble against the second.
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        for (int b = b0; b < b1; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            IntVector q = Lanes.u8i(w, blk + 2);
            Lanes.f(q.and(0xF)).intoArray(wq, wo + 32 * (b - b0));
            Lanes.f(q.lanewise(VectorOperators.LSHR, 4)).intoArray(wq, wo + 32 * (b - b0) + 16);
        }
    }

    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        Tiles.scales(w, row, BLOCK_BYTES, b0, b1, a, slot0, sc, so, off, oo);
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        float sum = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            int s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, blk + 2 + j) & 0xFF;
                s += ((q & 0xF) - 8) * a.q[qo + 32 * b + j] + ((q >>> 4) - 8) * a.q[qo + 32 * b + 16 + j];
            }
            sum += s * (f16(w, blk) * a.d[qo / 32 + b]);
        }
        return sum;
    }

    @Override
    boolean panels() {
        return Gemm.USABLE;
    }

    /** {@code d·(q - 8)} for 16 weights at a time: the low nibbles are weights 0-15 of a block, the high 16-31. */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        for (int b = c0 / 32; b < c1 / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            FloatVector d = FloatVector.broadcast(Lanes.F, f16(w, blk));
            IntVector q = Lanes.u8i(w, blk + 2);
            int at = o + 32 * b - c0;
            Lanes.f(q.and(0xF).sub(8)).mul(d).intoArray(dst, at);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 4).sub(8)).mul(d).intoArray(dst, at + 16);
        }
    }
}
