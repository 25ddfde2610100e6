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
    private static final int GROUP_QUANTS = PackedMatrix.GROUP * 16;

    Q4_0PackedKernel(int stripe, int cols) {
        super(stripe, 16, cols);
    }

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
        tileScales(w, row, b0, b1, a, slot0, sc, so, off, oo);
    }

    /**
     * Blocks {@code [b0, b1)} ({@code b0} even) for the tiles, from {@code wq[wo]}, as {@link Q4_0Kernel#decode} gives them:
     * each pair's 32 bytes read as 16 short lanes zero-extended to ints, lane {@code j} holding byte
     * {@code j} of both blocks (the low nibble weight {@code j}, the high nibble weight {@code j+16}).
     */
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        long quants = quantsAt(w, row);
        long stride = quantStride(w, row);
        for (int b = b0; b < b1; b += 2) {
            IntVector q = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, quants + PackedMatrix.quant(b, 16, stride),
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
        accumulate(w, scalesAt(row), quantsAt(w, row), quantStride(w, row), 1, a, t, sc);
        return Lanes.sum(sc, 0) - 8 * sc[Lanes.N * stripe];
    }

    @Override
    void stripe(MemorySegment w, long start, int n, Activations a, int t, float[] out, int o, float[] sc) {
        accumulate(w, start, start + 2L * n * (cols / 32), (long) n * GROUP_QUANTS, n, a, t, sc);
        for (int i = 0; i < n; i++) {
            out[o + i] = Lanes.sum(sc, i) - 8 * sc[Lanes.N * stripe + i];
        }
    }

    /**
     * The {@code n} rows whose scales follow each other from byte {@code scales} and whose groups of
     * quants start at {@code quants + i * GROUP_QUANTS}, {@code stride} apart,
     * against token {@code t}: row {@code i}'s float lanes to {@code sc[N*i ..]} and its offset sum
     * to {@code sc[N*stripe + i]}; its block scales (and their products with the activation sums),
     * computed first, at {@code sc[(N+1)*stripe + 2*blocks*i ..]}. Then group by group, row by row,
     * read forward: each row accumulates its blocks in order in its own chain, and the chains of
     * the rows of a stripe are independent.
     */
    private void accumulate(MemorySegment w, long scales, long quants, long stride, int n, Activations a, int t,
                            float[] sc) {
        checkColumns(a);
        int blocks = cols / 32;
        int qo = t * cols;
        int so = (Lanes.N + 1) * stripe;
        int oo = Lanes.N * stripe;
        for (int i = 0; i < n; i++) {
            FloatVector.zero(Lanes.F).intoArray(sc, Lanes.N * i);
            sc[oo + i] = 0f;
        }
        PackedKernel.scales(w, scales, n, blocks, a, qo / 32, sc, so, true);
        short[] x = a.qi;
        for (int g = 0; g < blocks / PackedMatrix.GROUP; g++) {
            for (int i = 0; i < n; i++) {
                long at = quants + g * stride + i * GROUP_QUANTS;
                int s = so + 2 * blocks * i + PackedMatrix.GROUP * g;
                int xo = qo + 32 * PackedMatrix.GROUP * g;
                FloatVector acc = FloatVector.fromArray(Lanes.F, sc, Lanes.N * i);
                float offset = sc[oo + i];
                for (int b = 0; b < PackedMatrix.GROUP; b += 2) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B32, w, at + 16 * b,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S32, 0);
                    IntVector p = q.and((short) 0xF).mul(ShortVector.fromArray(S32, x, xo + 32 * b))
                            .add(q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S32, x, xo + 32 * b + 32)))
                            .reinterpretAsInts();
                    acc = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, sc[s + b]), acc);
                    acc = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Lanes.F, sc[s + b + 1]), acc);
                    offset += sc[s + blocks + b];
                    offset += sc[s + blocks + b + 1];
                }
                acc.intoArray(sc, Lanes.N * i);
                sc[oo + i] = offset;
            }
        }
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int blocks = cols / 32;
        int qo = t * cols;
        long scales = scalesAt(row);
        long quants = quantsAt(w, row);
        long stride = quantStride(w, row);
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long pair = quants + PackedMatrix.quant(b - b % 2, 16, stride);
            int s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, pair + 2 * j + b % 2) & 0xFF;
                s += ((q & 0xF) - 8) * a.q[qo + 32 * b + j] + ((q >>> 4) - 8) * a.q[qo + 32 * b + 16 + j];
            }
            sum += s * (Lanes.f16(w, scales + 2L * b) * a.d[qo / 32 + b]);
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
        long quants = quantsAt(w, row);
        long stride = quantStride(w, row);
        long scales = scalesAt(row);
        for (int b = c0 / 32; b < c1 / 32; b += 2) {
            IntVector q = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, quants + PackedMatrix.quant(b, 16, stride),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_S2I, Lanes.I, 0);
            FloatVector d0 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * b));
            FloatVector d1 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * (b + 1)));
            int at = o + 32 * b - c0;
            Lanes.f(q.and(0xF).sub(8)).mul(d0).intoArray(dst, at);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8)).mul(d0).intoArray(dst, at + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 8).and(0xF).sub(8)).mul(d1).intoArray(dst, at + 32);
            Lanes.f(q.lanewise(VectorOperators.LSHR, 12).sub(8)).mul(d1).intoArray(dst, at + 48);
        }
    }
}
