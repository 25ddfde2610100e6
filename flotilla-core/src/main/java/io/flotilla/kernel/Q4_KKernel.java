package io.flotilla.kernel;

import static io.flotilla.kernel.Lanes.act;
import static io.flotilla.kernel.Lanes.f16;
import static io.flotilla.kernel.Lanes.madd;
import static io.flotilla.kernel.Lanes.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    // The vector loop takes one super-block per iteration and its four 32-byte nibble groups in an
    // inner loop of constant trip count, which C2 unrolls: the low and high nibbles of one load are
    // sub-blocks 2c and 2c+1, and the scale/min decoding folds to constant offsets. (Walking the
    // sub-blocks one at a time, loading each group twice and decoding scales through a variable
    // index, ran at a third of Q4_0's speed.) The body stays in this method: moved to a helper, the
    // helper was compiled on its own first, then judged too big to inline ("already compiled into a
    // big method"), and every vector crossing the call was boxed: three times slower again.

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
            long lo = w.get(Lanes.I64, blk + 4); // scale bytes 0-7
            int hi = w.get(Lanes.I32, blk + 12); // scale bytes 8-11
            for (int c = 0; c < 4; c++) {
                long qs = blk + 16 + 32 * c;
                int ao = qo + 256 * sb + 64 * c;
                int b = bo + 8 * sb + 2 * c;
                ShortVector v0 = u8(w, qs);
                ShortVector v1 = u8(w, qs + 16);
                acc = madd(v0.and((short) 0xF).mul(act(a.q, ao)).add(v1.and((short) 0xF).mul(act(a.q, ao + 16))),
                        d * packedScale(lo, hi, 2 * c) * a.d[b], acc);
                acc = madd(v0.lanewise(VectorOperators.LSHR, 4).mul(act(a.q, ao + 32))
                        .add(v1.lanewise(VectorOperators.LSHR, 4).mul(act(a.q, ao + 48))),
                        d * packedScale(lo, hi, 2 * c + 1) * a.d[b + 1], acc);
                mins += dmin * (packedMin(lo, hi, 2 * c) * a.d[b] * a.sum[b]
                        + packedMin(lo, hi, 2 * c + 1) * a.d[b + 1] * a.sum[b + 1]);
            }
        }
        return Lanes.sum(acc) - mins;
    }

    @Override
    int tileTokens() {
        return Tiles.USABLE ? 4 : 0; // MatVecBench, 1 thread, tiles vs dot4: 0.63-0.72 vs 0.25 GB/s at 16 tokens, 1.0 vs 0.5 at 8, 1.4 vs 0.95 at 4
    }

    @Override
    float finish(float lanes, float off) {
        return lanes - off;
    }

    // Tiles.BLOCKS is one super-block (8 sub-blocks of 32), so a column pass never splits one.
    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        checkPass(w, row, b0, b1);
        if (so < 0 || so + Tiles.TOKENS * (b1 - b0) > sc.length || oo < 0 || oo + Tiles.TOKENS > off.length || slot0 < 0
                || slot0 + Tiles.TOKENS * b1 > a.dt.length || slot0 + Tiles.TOKENS * b1 > a.st.length) {
            throw new IllegalArgumentException("Q4_K tile scales out of range: blocks " + b0 + ".." + b1 + ", slot "
                    + slot0 + " of " + a.dt.length + ", sc " + so + " of " + sc.length + ", off " + oo + " of " + off.length);
        }
        for (int sb = b0 / 8; sb < b1 / 8; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            long lo = w.get(Lanes.I64, blk + 4);
            int hi = w.get(Lanes.I32, blk + 12);
            for (int c = 0; c < 4; c++) {
                int b = 8 * sb + 2 * c;
                int slot = slot0 + b * Tiles.TOKENS;
                Tiles.scale(d * packedScale(lo, hi, 2 * c), a, slot, sc, so + (b - b0) * Tiles.TOKENS);
                Tiles.scale(d * packedScale(lo, hi, 2 * c + 1), a, slot + Tiles.TOKENS, sc, so + (b + 1 - b0) * Tiles.TOKENS);
                Tiles.mins(dmin, packedMin(lo, hi, 2 * c), packedMin(lo, hi, 2 * c + 1), a, slot, off, oo);
            }
        }
    }

    // Sub-blocks b and b+1 (b even; one block of 32 activations each): the low and high nibbles of
    // the 32-byte group b/2, bytes 0-15 against activations 0-15 and bytes 16-31 against 16-31, as dot.
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        if (b0 < 0 || b1 < b0 || b0 % 8 != 0 || b1 % 8 != 0 || row < 0 || row % 2 != 0
                || row + (long) BLOCK_BYTES * (b1 / 8) > w.byteSize() || wo < 0 || wo + 32 * (b1 - b0) > wq.length
                || wq.length % 64 != 0 || w.byteSize() % BLOCK_BYTES != 0 || (b1 - b0) % 2 != 0
                || row % BLOCK_BYTES != 0 || b1 - b0 > Tiles.BLOCKS || wq.length < 32 * Tiles.BLOCKS
                || row >= w.byteSize() || b1 > Integer.MAX_VALUE / 32) {
            throw new IllegalArgumentException("Q4_K tile decode out of range: blocks " + b0 + ".." + b1
                    + " of the row at byte " + row + ", " + w.byteSize() + " bytes of weights (super-blocks of "
                    + BLOCK_BYTES + "), wq " + wo + " of " + wq.length + " floats");
        }
        for (int b = b0; b < b1; b += 2) {
            long qs = row + (long) BLOCK_BYTES * (b >>> 3) + 16 + 32 * ((b & 7) >>> 1);
            IntVector v0 = Lanes.u8i(w, qs);
            IntVector v1 = Lanes.u8i(w, qs + 16);
            int o = wo + 32 * (b - b0);
            Lanes.f(v0.and(0xF)).intoArray(wq, o);
            Lanes.f(v1.and(0xF)).intoArray(wq, o + 16);
            Lanes.f(v0.lanewise(VectorOperators.LSHR, 4)).intoArray(wq, o + 32);
            Lanes.f(v1.lanewise(VectorOperators.LSHR, 4)).intoArray(wq, o + 48);
        }
    }

    // The checks of decode and scales also keep their bytecode above C2's FreqInlineSize (325), so
    // that C2 compiles them on their own: inlined into Tiles.rows with the rest, their vectors were
    // boxed (see Tiles.block).
    private static void checkPass(MemorySegment w, long row, int b0, int b1) {
        if (b0 < 0 || b1 < b0 || b0 % 8 != 0 || b1 % 8 != 0 || row < 0
                || row + (long) BLOCK_BYTES * (b1 / 8) > w.byteSize()) {
            throw new IllegalArgumentException("Q4_K tile pass out of range: blocks " + b0 + ".." + b1
                    + " of the row at byte " + row + ", " + w.byteSize() + " bytes of weights");
        }
    }

    /** {@link #scale} from the field read as bytes 0-7 ({@code lo}) and 8-11 ({@code hi}): registers only. */
    static int packedScale(long lo, int hi, int j) {
        if (j < 4) {
            return (int) (lo >>> (8 * j)) & 63;
        }
        return (hi >>> (8 * (j - 4))) & 0xF | ((int) (lo >>> (8 * (j - 4) + 6)) & 3) << 4;
    }

    /** {@link #min} from the field read as bytes 0-7 ({@code lo}) and 8-11 ({@code hi}). */
    static int packedMin(long lo, int hi, int j) {
        if (j < 4) {
            return (int) (lo >>> (32 + 8 * j)) & 63;
        }
        return (hi >>> (8 * (j - 4) + 4)) & 0xF | ((int) (lo >>> (32 + 8 * (j - 4) + 6)) & 3) << 4;
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

    @Override
    boolean panels() {
        return Gemm.USABLE;
    }

    /**
     * {@code (d·sc)·q - dmin·m} per sub-block, as Q4_KMatrix rounds it: 32-byte chunk {@code c} of a
     * super-block gives sub-block {@code 2c} (low nibbles) and {@code 2c+1} (high nibbles).
     */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        for (int sb = c0 / 256; sb < c1 / 256; sb++) {
            long blk = row + (long) BLOCK_BYTES * sb;
            float d = f16(w, blk);
            float dmin = f16(w, blk + 2);
            long lo = w.get(Lanes.I64, blk + 4);
            int hi = w.get(Lanes.I32, blk + 12);
            for (int c = 0; c < 4; c++) {
                IntVector v0 = Lanes.u8i(w, blk + 16 + 32 * c);
                IntVector v1 = Lanes.u8i(w, blk + 32 + 32 * c);
                int at = o + 256 * sb + 64 * c - c0;
                FloatVector d1 = FloatVector.broadcast(Lanes.F, d * packedScale(lo, hi, 2 * c));
                FloatVector m1 = FloatVector.broadcast(Lanes.F, dmin * packedMin(lo, hi, 2 * c));
                FloatVector d2 = FloatVector.broadcast(Lanes.F, d * packedScale(lo, hi, 2 * c + 1));
                FloatVector m2 = FloatVector.broadcast(Lanes.F, dmin * packedMin(lo, hi, 2 * c + 1));
                Lanes.f(v0.and(0xF)).mul(d1).sub(m1).intoArray(dst, at);
                Lanes.f(v1.and(0xF)).mul(d1).sub(m1).intoArray(dst, at + 16);
                Lanes.f(v0.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(dst, at + 32);
                Lanes.f(v1.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(dst, at + 48);
            }
        }
    }
}
