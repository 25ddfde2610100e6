package io.flotilla.kernel;

import io.flotilla.tensor.PackedMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 rows in {@link io.flotilla.tensor.PackedMatrix}'s order against Q8_0 activations in
 * {@link Activations#qi}'s order: equal bit for bit to {@link Q8_0Kernel#dot} on the GGUF rows.
 * Two blocks per step: 64 bytes read as 32 short lanes (lane {@code 2j+k}: weights {@code j} and
 * {@code j+16} of block {@code k} in its two bytes), each byte sign-extended in place by shifts,
 * multiplied with the activations and added; each 32-bit pair of lanes then splits by shifts into
 * float lane {@code j} of block 0 and of block 1.
 */
final class Q8_0PackedKernel extends PackedKernel {
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final int GROUP_QUANTS = PackedMatrix.GROUP * 32;

    Q8_0PackedKernel(int stripe, int cols) {
        super(stripe, 32, cols);
    }

    @Override
    int tileTokens() {
        return Kernels.of(io.flotilla.gguf.GgmlType.Q8_0).tileTokens(); // the same tiles, on this layout
    }

    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        tileScales(w, row, b0, b1, a, slot0, sc, so);
    }

    /**
     * Blocks {@code [b0, b1)} ({@code b0} even) for the tiles, from {@code wq[wo]}, as {@link Q8_0Kernel#decode} gives them:
     * each pair's 64 bytes read as 16 int lanes, lane {@code j} holding weights {@code j} and
     * {@code j+16} of both blocks, one per byte, sign-extended by shifts.
     */
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        long quants = quantsAt(w, row);
        long stride = quantStride(w, row);
        for (int b = b0; b < b1; b += 2) {
            IntVector q = IntVector.fromMemorySegment(Lanes.I, w, quants + PackedMatrix.quant(b, 32, stride),
                    ByteOrder.LITTLE_ENDIAN);
            int o = wo + 32 * (b - b0);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 32);
            Lanes.f(q.lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 48);
        }
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t, float[] sc) {
        accumulate(w, scalesAt(row), quantsAt(w, row), quantStride(w, row), 1, a, t, sc);
        return Lanes.sum(sc, 0);
    }

    @Override
    void stripe(MemorySegment w, long start, int n, Activations a, int t, float[] out, int o, float[] sc) {
        accumulate(w, start, start + 2L * n * (cols / 32), (long) n * GROUP_QUANTS, n, a, t, sc);
        for (int i = 0; i < n; i++) {
            out[o + i] = Lanes.sum(sc, i);
        }
    }

    /**
     * The {@code n} rows whose scales follow each other from byte {@code scales} and whose groups of
     * quants start at {@code quants + i * GROUP_QUANTS}, {@code stride} apart,
     * against token {@code t}: row {@code i}'s float lanes to {@code sc[N*i ..]}; its block scales,
     * computed first, at {@code sc[(N+1)*stripe + 2*blocks*i ..]}. Then group by group, row by row,
     * read forward: each row accumulates its blocks in order in its own chain, and the chains of the
     * rows of a stripe are independent.
     */
    private void accumulate(MemorySegment w, long scales, long quants, long stride, int n, Activations a, int t,
                            float[] sc) {
        checkColumns(a);
        int blocks = cols / 32;
        int qo = t * cols;
        int so = (Lanes.N + 1) * stripe;
        for (int i = 0; i < n; i++) {
            FloatVector.zero(Lanes.F).intoArray(sc, Lanes.N * i);
        }
        PackedKernel.scales(w, scales, n, blocks, a, qo / 32, sc, so, false);
        short[] x = a.qi;
        for (int g = 0; g < blocks / PackedMatrix.GROUP; g++) {
            for (int i = 0; i < n; i++) {
                long at = quants + g * stride + i * GROUP_QUANTS;
                int s = so + 2 * blocks * i + PackedMatrix.GROUP * g;
                int xo = qo + 32 * PackedMatrix.GROUP * g;
                FloatVector acc = FloatVector.fromArray(Lanes.F, sc, Lanes.N * i);
                for (int b = 0; b < PackedMatrix.GROUP; b += 2) {
                    ShortVector q = ShortVector.fromMemorySegment(S32, w, at + 32 * b, ByteOrder.LITTLE_ENDIAN);
                    IntVector p = q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                            .mul(ShortVector.fromArray(S32, x, xo + 32 * b))
                            .add(q.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S32, x, xo + 32 * b + 32)))
                            .reinterpretAsInts();
                    acc = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, sc[s + b]), acc);
                    acc = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Lanes.F, sc[s + b + 1]), acc);
                }
                acc.intoArray(sc, Lanes.N * i);
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
            long pair = quants + PackedMatrix.quant(b - b % 2, 32, stride);
            int s = 0;
            for (int j = 0; j < 16; j++) {
                long lane = pair + 4 * j + 2 * (b % 2);
                s += w.get(ValueLayout.JAVA_BYTE, lane) * a.q[qo + 32 * b + j]
                        + w.get(ValueLayout.JAVA_BYTE, lane + 1) * a.q[qo + 32 * b + 16 + j];
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
     * {@code d·q}, as {@link PackedMatrix#dequantizeRow}; int lane {@code j} of a pair's 64 bytes
     * holds weights {@code j}, {@code j+16} of the first block and then of the second, one per byte.
     */
    @Override
    void panelRow(MemorySegment w, long row, int c0, int c1, float[] dst, int o) {
        if (c0 % 64 != 0 || c1 % 64 != 0) {
            throw new IllegalArgumentException("packed Q8_0 panels take whole pairs of blocks, got columns " + c0 + ".." + c1);
        }
        long quants = quantsAt(w, row);
        long stride = quantStride(w, row);
        long scales = scalesAt(row);
        for (int b = c0 / 32; b < c1 / 32; b += 2) {
            IntVector q = IntVector.fromMemorySegment(Lanes.I, w, quants + PackedMatrix.quant(b, 32, stride), ByteOrder.LITTLE_ENDIAN);
            FloatVector d0 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * b));
            FloatVector d1 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * (b + 1)));
            int at = o + 32 * b - c0;
            Lanes.f(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).mul(d0).intoArray(dst, at);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).mul(d0).intoArray(dst, at + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).mul(d1).intoArray(dst, at + 32);
            Lanes.f(q.lanewise(VectorOperators.ASHR, 24)).mul(d1).intoArray(dst, at + 48);
        }
    }
}
