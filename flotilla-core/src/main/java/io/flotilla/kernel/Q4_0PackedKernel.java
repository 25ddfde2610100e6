package io.flotilla.kernel;

import io.flotilla.tensor.PackedMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 rows in {@link io.flotilla.tensor.PackedMatrix}'s order against Q8_0 activations in
 * {@link Activations#qi}'s order: equal bit for bit to {@link Q4_0Kernel#dot} on the GGUF rows.
 * Two blocks per step: 32 bytes widen to 32 short lanes (lane {@code 2j+k}: byte {@code j} of
 * block {@code k}), the nibbles are multiplied with the activations and added in those lanes, and
 * each 32-bit pair of lanes splits by shifts into float lane {@code j} of block 0 (low half) and of
 * block 1 (high half): no per-block f16 conversion, no widening shuffle. The scales of a row are
 * converted and multiplied 16 at a time before the loop ({@link PackedKernel#scales}).
 */
final class Q4_0PackedKernel extends PackedKernel {
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;

    @Override
    int tileTokens() {
        return Kernels.of(io.flotilla.gguf.GgmlType.Q4_0).tileTokens(); // the same tiles, on this layout
    }

    @Override
    float finish(float lanes, float off) {
        return lanes - 8 * off;
    }

    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        PackedKernel.tileScales(w, row, 16, b0, b1, a, slot0, sc, so, off, oo);
    }

    /**
     * Blocks {@code [b0, b1)} ({@code b0} even) for the tiles, from {@code wq[wo]}, as {@link Q4_0Kernel#decode} gives them:
     * each pair's 32 bytes read as 16 short lanes zero-extended to ints, lane {@code j} holding byte
     * {@code j} of both blocks (the low nibble weight {@code j}, the high nibble weight {@code j+16}).
     */
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        for (int b = b0; b < b1; b += 2) {
            IntVector q = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, row + PackedMatrix.quants(b, 16),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_S2I, Lanes.I, 0);
            int o = wo + 32 * (b - b0);
            Lanes.f(q.and(0xF)).intoArray(wq, o);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 4).and(0xF)).intoArray(wq, o + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 8).and(0xF)).intoArray(wq, o + 32);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 12)).intoArray(wq, o + 48);
        }
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t, float[] sc) {
        int cols = a.cols();
        int blocks = cols / 32;
        int qo = t * cols;
        PackedKernel.scales(w, row, blocks, 16, a, qo / 32, sc, true);
        short[] x = a.qi;
        FloatVector acc = FloatVector.zero(Lanes.F);
        float offset = 0f;
        for (int b = 0; b < blocks; b += 2) {
            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B32, w, row + PackedMatrix.quants(b, 16),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
            int xo = qo + 32 * b;
            IntVector p = q.and((short) 0xF).mul(ShortVector.fromArray(S32, x, xo))
                    .add(q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S32, x, xo + 32)))
                    .reinterpretAsInts();
            acc = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, sc[b]), acc);
            acc = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(Lanes.F, sc[b + 1]), acc);
            offset += sc[blocks + b];
            offset += sc[blocks + b + 1];
        }
        return Lanes.sum(acc) - 8 * offset;
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int blocks = cols / 32;
        int qo = t * cols;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long pair = row + PackedMatrix.quants(b - b % 2, 16);
            int s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, pair + 2 * j + b % 2) & 0xFF;
                s += ((q & 0xF) - 8) * a.q[qo + 32 * b + j] + ((q >>> 4) - 8) * a.q[qo + 32 * b + 16 + j];
            }
            sum += s * (Lanes.f16(w, row + PackedMatrix.scale(b, 16)) * a.d[qo / 32 + b]);
        }
        return sum;
    }

    @Override
    boolean panels() {
        return Gemm.USABLE;
    }

    /**
     * The GEMM's panel dequantizer on this layout ({@code c0}, {@code c1} whole pairs of blocks):
     * {@code d·(q - 8)}, as {@link PackedMatrix#dequantizeRow}; each pair's 32 bytes read as 16 short
     * lanes zero-extended to ints, lane {@code j} holding byte {@code j} of both blocks.
     */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        if (c0 % 64 != 0 || c1 % 64 != 0) {
            throw new IllegalArgumentException("packed Q4_0 panels take whole pairs of blocks, got columns " + c0 + ".." + c1);
        }
        for (int b = c0 / 32; b < c1 / 32; b += 2) {
            IntVector q = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, row + PackedMatrix.quants(b, 16),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_S2I, Lanes.I, 0);
            FloatVector d0 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b, 16)));
            FloatVector d1 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b + 1, 16)));
            int at = o + 32 * b - c0;
            Lanes.f(q.and(0xF).sub(8)).mul(d0).intoArray(dst, at);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8)).mul(d0).intoArray(dst, at + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 8).and(0xF).sub(8)).mul(d1).intoArray(dst, at + 32);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 12).sub(8)).mul(d1).intoArray(dst, at + 48);
        }
    }
}
