package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.s8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/** Q8_0 weights (34-byte blocks: f16 d, 32 × int8) against Q8_0 activations: {@code Σ_b dw·da·Σ qw·qa}. */
final class Q8_0Kernel extends DotKernel {
    static final int BLOCK_BYTES = 34;

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
        for (int b = 0; b < cols / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            ShortVector p = s8(w, blk + 2).mul(act(a.q, qo + 32 * b))
                    .add(s8(w, blk + 18).mul(act(a.q, qo + 32 * b + 16)));
            acc = madd(p, f16(w, blk) * a.d[bo + b], acc);
        }
        return Lanes.sum(acc);
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
        for (int b = 0; b < bpt; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            ShortVector lo = s8(w, blk + 2);
            ShortVector hi = s8(w, blk + 18);
            float dw = f16(w, blk);
            int qo = q0 + 32 * b;
            acc0 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), dw * a.d[b0 + b], acc0);
            qo += cols;
            acc1 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), dw * a.d[b0 + bpt + b], acc1);
            qo += cols;
            acc2 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), dw * a.d[b0 + 2 * bpt + b], acc2);
            qo += cols;
            acc3 = madd(lo.mul(act(a.q, qo)).add(hi.mul(act(a.q, qo + 16))), dw * a.d[b0 + 3 * bpt + b], acc3);
        }
        acc0.intoArray(lanes, 0); // lane sums from memory: four Lanes.sum(vector) calls do not fit C2's inlining budget
        acc1.intoArray(lanes, Lanes.N);
        acc2.intoArray(lanes, 2 * Lanes.N);
        acc3.intoArray(lanes, 3 * Lanes.N);
        out[o] = Lanes.sum(lanes, 0);
        out[o + stride] = Lanes.sum(lanes, 1);
        out[o + 2 * stride] = Lanes.sum(lanes, 2);
        out[o + 3 * stride] = Lanes.sum(lanes, 3);
    }

    @Override
    int tileTokens() {
        return Tiles.USABLE ? 16 : 0; // MatVecBench, 1 thread, tiles vs dot4: 1.14-1.36 vs 0.98 GB/s at 16 tokens, 1.8-2.3 vs 1.9 at 8
    }

    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        Tiles.scales(w, row, BLOCK_BYTES, b0, b1, a, slot0, sc, so);
    }

    // dot's lane j of a block is w_j·a_j + w_{j+16}·a_{j+16}: the same two products as floats (exact).
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        for (int b = b0; b < b1; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            Lanes.f(Lanes.s8i(w, blk + 2)).intoArray(wq, wo + 32 * (b - b0));
            Lanes.f(Lanes.s8i(w, blk + 18)).intoArray(wq, wo + 32 * (b - b0) + 16);
        }
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        float sum = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            int s = 0;
            for (int j = 0; j < 32; j++) {
                s += w.get(ValueLayout.JAVA_BYTE, blk + 2 + j) * a.q[qo + 32 * b + j];
            }
            sum += s * (f16(w, blk) * a.d[qo / 32 + b]);
        }
        return sum;
    }

    @Override
    boolean panels() {
        return Gemm.USABLE;
    }

    /** {@code d·q} for 16 weights at a time. */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        for (int b = c0 / 32; b < c1 / 32; b++) {
            long blk = row + (long) BLOCK_BYTES * b;
            FloatVector d = FloatVector.broadcast(Lanes.F, f16(w, blk));
            int at = o + 32 * b - c0;
            Lanes.f(Lanes.s8i(w, blk + 2)).mul(d).intoArray(dst, at);
            Lanes.f(Lanes.s8i(w, blk + 18)).mul(d).intoArray(dst, at + 16);
        }
    }
}
