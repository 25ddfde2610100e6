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

    @Override
    int tileTokens() {
        return Kernels.of(io.flotilla.gguf.GgmlType.Q8_0).tileTokens(); // the same tiles, on this layout
    }

    @Override
    void scales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so, float[] off,
                int oo) {
        PackedKernel.tileScales(w, row, 32, b0, b1, a, slot0, sc, so);
    }

    /**
     * Blocks {@code [b0, b1)} ({@code b0} even) for the tiles, from {@code wq[wo]}, as {@link Q8_0Kernel#decode} gives them:
     * each pair's 64 bytes read as 16 int lanes, lane {@code j} holding weights {@code j} and
     * {@code j+16} of both blocks, one per byte, sign-extended by shifts.
     */
    @Override
    void decode(MemorySegment w, long row, int b0, int b1, float[] wq, int wo) {
        for (int b = b0; b < b1; b += 2) {
            IntVector q = IntVector.fromMemorySegment(Lanes.I, w, row + PackedMatrix.quants(b, 32), ByteOrder.LITTLE_ENDIAN);
            int o = wo + 32 * (b - b0);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 32);
            Lanes.f(q.lanewise(VectorOperators.ASHR, 24)).intoArray(wq, o + 48);
        }
    }

    @Override
    float dot(MemorySegment w, long row, Activations a, int t, float[] sc) {
        int cols = a.cols();
        int blocks = cols / 32;
        int qo = t * cols;
        PackedKernel.scales(w, row, blocks, 32, a, qo / 32, sc, false);
        short[] x = a.qi;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < blocks; b += 2) {
            ShortVector q = ShortVector.fromMemorySegment(S32, w, row + PackedMatrix.quants(b, 32), ByteOrder.LITTLE_ENDIAN);
            int xo = qo + 32 * b;
            IntVector p = q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .mul(ShortVector.fromArray(S32, x, xo))
                    .add(q.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S32, x, xo + 32))).reinterpretAsInts();
            acc = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, sc[b]), acc);
            acc = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(Lanes.F, sc[b + 1]), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    float dotScalar(MemorySegment w, long row, Activations a, int t) {
        int cols = a.cols();
        int blocks = cols / 32;
        int qo = t * cols;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long pair = row + PackedMatrix.quants(b - b % 2, 32);
            int s = 0;
            for (int j = 0; j < 16; j++) {
                long lane = pair + 4 * j + 2 * (b % 2);
                s += w.get(ValueLayout.JAVA_BYTE, lane) * a.q[qo + 32 * b + j]
                        + w.get(ValueLayout.JAVA_BYTE, lane + 1) * a.q[qo + 32 * b + 16 + j];
            }
            sum += s * (Lanes.f16(w, row + PackedMatrix.scale(b, 32)) * a.d[qo / 32 + b]);
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
        for (int b = c0 / 32; b < c1 / 32; b += 2) {
            IntVector q = IntVector.fromMemorySegment(Lanes.I, w, row + PackedMatrix.quants(b, 32), ByteOrder.LITTLE_ENDIAN);
            FloatVector d0 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b, 32)));
            FloatVector d1 = FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b + 1, 32)));
            int at = o + 32 * b - c0;
            Lanes.f(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).mul(d0).intoArray(dst, at);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).mul(d0).intoArray(dst, at + 16);
            Lanes.f(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).mul(d1).intoArray(dst, at + 32);
            Lanes.f(q.lanewise(VectorOperators.ASHR, 24)).mul(d1).intoArray(dst, at + 48);
        }
    }
}
