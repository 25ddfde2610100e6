package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.IntVector;
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

    // The vector loops walk the sixteen sub-blocks of 16 one at a time (C2's inlining budget, see
    // Q4_KKernel): sub-block k of a super-block lies in half h = k/8, segment s = (k/2)%4, lanes
    // l0 = 16*(k%2); its low bits are nibble s/2 of ql[64h + 32*(s%2) + l0 ..], its high bits pair s
    // of qh[32h + l0 ..].

    /** Sub-block {@code k} of the super-block at {@code blk} as 16 short lanes {@code q - 32}. */
    private static ShortVector subBlock(MemorySegment w, long blk, int k) {
        int h = k >>> 3;
        int s = (k >>> 1) & 3;
        int l0 = 16 * (k & 1);
        ShortVector lo = u8(w, blk + 64 * h + 32 * (s & 1) + l0).lanewise(VectorOperators.LSHR, 4 * (s >>> 1))
                .and((short) 0xF);
        ShortVector hi = u8(w, blk + 128 + 32 * h + l0).lanewise(VectorOperators.LSHR, 2 * s).and((short) 3);
        return lo.or(hi.lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int qo = t * cols;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int sb = 0; sb < cols / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk + 208);
            long sc0 = w.get(Lanes.I64, blk + 192); // int8 scales 0-7
            long sc1 = w.get(Lanes.I64, blk + 200); // int8 scales 8-15
            for (int i = 0; i < 8; i++) {
                // half h, segment s and s + 2 (low and high nibbles of one ql load), lanes l0
                int h = i >>> 2;
                int sg = (i >>> 1) & 1;
                int l0 = 16 * (i & 1);
                ShortVector ql = u8(w, blk + 64 * h + 32 * sg + l0);
                ShortVector qh = u8(w, blk + 128 + 32 * h + l0);
                int k = 8 * h + 2 * sg + (i & 1);
                int ao = qo + 256 * sb + 128 * h + 32 * sg + l0;
                ShortVector q = ql.and((short) 0xF).or(qh.lanewise(VectorOperators.LSHR, 2 * sg).and((short) 3)
                        .lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                acc = madd(q.mul(act(a.q, ao)), d * scaleOf(sc0, sc1, k) * a.d[ao >>> 5], acc);
                q = ql.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2 * sg + 4).and((short) 3)
                        .lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                acc = madd(q.mul(act(a.q, ao + 64)), d * scaleOf(sc0, sc1, k + 4) * a.d[(ao + 64) >>> 5], acc);
            }
        }
        return Lanes.sum(acc);
    }

    /** Int8 scale {@code k} of the sixteen, read as two longs. */
    private static int scaleOf(long sc0, long sc1, int k) {
        return (byte) ((k < 8 ? sc0 : sc1) >>> (8 * (k & 7)));
    }

    @Override
    void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride, float[] lanes) {
        int cols = a.cols();
        int q0t = t * cols;
        FloatVector acc0 = FloatVector.zero(Lanes.F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int g = 0; g < cols / 16; g++) {
            long blk = row + (long) BLOCK_BYTES * (g >>> 4);
            int k = g & 15;
            ShortVector q = subBlock(w, blk, k);
            float sc = f16(w, blk + 208) * scaleAt(w, blk + 192 + k);
            int ao = q0t + 16 * g;
            acc0 = madd(q.mul(act(a.q, ao)), sc * a.d[ao >>> 5], acc0);
            ao += cols;
            acc1 = madd(q.mul(act(a.q, ao)), sc * a.d[ao >>> 5], acc1);
            ao += cols;
            acc2 = madd(q.mul(act(a.q, ao)), sc * a.d[ao >>> 5], acc2);
            ao += cols;
            acc3 = madd(q.mul(act(a.q, ao)), sc * a.d[ao >>> 5], acc3);
        }
        acc0.intoArray(lanes, 0); // lane sums from memory: four Lanes.sum(vector) calls would not inline
        acc1.intoArray(lanes, Lanes.N);
        acc2.intoArray(lanes, 2 * Lanes.N);
        acc3.intoArray(lanes, 3 * Lanes.N);
        out[o] = Lanes.sum(lanes, 0);
        out[o + stride] = Lanes.sum(lanes, 1);
        out[o + 2 * stride] = Lanes.sum(lanes, 2);
        out[o + 3 * stride] = Lanes.sum(lanes, 3);
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

    // GemmBench, 1 thread, 2048x8192, gemm vs dot4: 0.83x at 4 tokens, 2.1x at 16; its dequantizer costs about 2x Q4_K's
    @Override
    int gemmTokens() {
        return Math.max(8, Gemm.MIN_TOKENS);
    }

    @Override
    boolean panels() {
        return Gemm.USABLE;
    }

    /**
     * {@code (d·scale)·(q - 32)} as Q6_KMatrix rounds it, 16 weights at a time: per half of a
     * super-block and per 16 of its first 32 positions {@code l}, the four weights {@code l},
     * {@code l+32}, {@code l+64}, {@code l+96} from the nibbles of {@code ql} and the bit pairs of {@code qh}.
     */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        for (int sb = c0 / 256; sb < c1 / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk + 208);
            for (int h = 0; h < 2; h++) {
                for (int g = 0; g < 2; g++) {
                    sixteen(w, blk, h, g, d, dst, o + 256 * sb + 128 * h + 16 * g - c0);
                }
            }
        }
    }

    /**
     * Weights {@code l}, {@code l+32}, {@code l+64}, {@code l+96} of half {@code h} for the 16
     * positions {@code l} of {@code g} (0 or 1) into {@code dst[at]}, {@code dst[at+32]}, ...: on its
     * own, with no vector arguments (inlined into the loop above, its conversions ran C2's Java fallback).
     */
    private static void sixteen(MemorySegment w, long blk, int h, int g, float d, float[] dst, int at) {
        long ql = blk + 64 * h + 16 * g;
        long sc = blk + 192 + 8 * h + g;
        IntVector lo = Lanes.u8i(w, ql);
        IntVector hi = Lanes.u8i(w, ql + 32);
        IntVector bits = Lanes.u8i(w, blk + 128 + 32 * h + 16 * g);
        IntVector q0 = lo.and(0xF).or(bits.and(3).lanewise(VectorOperators.LSHL, 4));
        IntVector q1 = hi.and(0xF).or(bits.and(0xC).lanewise(VectorOperators.LSHL, 2));
        IntVector q2 = lo.lanewise(VectorOperators.LSHR, 4).or(bits.and(0x30));
        IntVector q3 = hi.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 2).and(0x30));
        Lanes.f(q0.sub(32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc)).intoArray(dst, at);
        Lanes.f(q1.sub(32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 2)).intoArray(dst, at + 32);
        Lanes.f(q2.sub(32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 4)).intoArray(dst, at + 64);
        Lanes.f(q3.sub(32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 6)).intoArray(dst, at + 96);
    }
}
