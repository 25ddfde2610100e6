package io.flotilla.kernel;

import io.flotilla.tensor.PackedMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What the packed one-token kernels ({@link Q4_0PackedKernel}, {@link Q8_0PackedKernel}) share: the
 * row layout of {@link io.flotilla.tensor.PackedMatrix}, the block scales of a row computed 16 at a
 * time into the calling thread's scratch, and {@code dot4} as four {@code dot}s. Needs 16 float lanes (AVX-512), where the GGUF kernels' float lane {@code j} of a
 * block sums weights {@code j} and {@code j+16}: the packed kernels keep exactly that lane
 * assignment, block order and scale rounding, so their results equal the GGUF kernels' bit for bit.
 */
abstract sealed class PackedKernel extends DotKernel permits Q4_0PackedKernel, Q8_0PackedKernel {
    /** Whether this CPU runs the packed kernels. */
    static final boolean USABLE = Lanes.N == 16;
    private static final float TWO_TO_112 = 0x1p112f;

    @Override
    final boolean quantized() {
        return true;
    }

    /** Floats of the scratch the packed kernels need for a row of {@code cols}: two per block. */
    @Override
    final int scratch(int cols) {
        return Math.max(Lanes.SCRATCH, 2 * cols / Activations.BLOCK);
    }

    @Override
    final void dot4(MemorySegment w, long row, Activations a, int t, float[] out, int o, int stride, float[] scratch) {
        for (int k = 0; k < 4; k++) {
            out[o + k * stride] = dot(w, row, a, t + k, scratch);
        }
    }

    /** For tests: {@link #dot} with a scratch of its own (allocated per call). */
    @Override
    final float dot(MemorySegment w, long row, Activations a, int t) {
        return dot(w, row, a, t, new float[scratch(a.cols())]);
    }

    /**
     * {@code sc[b] = dw_b · da_b} for the {@code blocks} f16 scales of the packed row at byte
     * {@code row} of {@code w} ({@code quantBytes} per block of quants) and the activation blocks
     * from {@code bo}, rounded as {@code Lanes.f16(w) * a.d[..]} rounds them; with {@code sums},
     * also {@code sc[blocks + b] = sc[b] · sum_b}. The f16 to float conversion shifts the magnitude
     * into a float's exponent and mantissa and multiplies by 2^112, exact for every finite half
     * (normal and subnormal); the sign is copied over.
     */
    // Checks its arguments in full, which also keeps its bytecode over C2's FreqInlineSize (325): inlined
    // into the kernels (compile order decides), its vector calls joined theirs and overflowed C2's
    // budget for Vector API code; a 1B Q4_0 model then decoded at 0.85x of the GGUF kernels.
    static void scales(MemorySegment w, long row, int blocks, int quantBytes, Activations a, int bo, float[] sc,
                       boolean sums) {
        if ((quantBytes != 16 && quantBytes != 32) || blocks < 1 || blocks % PackedMatrix.GROUP != 0 || row < 0
                || blocks * Activations.BLOCK != a.cols() || row + (quantBytes + 2L) * blocks > w.byteSize()
                || bo < 0 || bo + blocks > a.d.length || bo + blocks > a.sum.length || (sums ? 2 : 1) * blocks > sc.length) {
            throw new IllegalArgumentException("scales out of range: " + blocks + " blocks (whole groups of "
                    + PackedMatrix.GROUP + ", cols " + a.cols() + ") of " + quantBytes + " bytes (16 or 32) at byte "
                    + row + " of " + w.byteSize() + ", activation block " + bo + " of " + a.d.length + " (sums "
                    + a.sum.length + "), scratch " + sc.length + (sums ? " with sums" : ""));
        }
        for (int b = 0; b < blocks; b += PackedMatrix.GROUP) {
            long at = row + PackedMatrix.scale(b, quantBytes);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, at, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, Lanes.I, 0);
            FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(TWO_TO_112)
                    .reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            FloatVector s = d.mul(FloatVector.fromArray(Lanes.F, a.d, bo + b));
            s.intoArray(sc, b);
            if (sums) {
                s.mul(FloatVector.fromArray(Lanes.F, a.sum, bo + b)).intoArray(sc, blocks + b);
            }
        }
    }

    /**
     * {@link DotKernel#scales} for the tiles on packed rows, as {@code Tiles.scales} computes them on
     * GGUF rows: one lane per token of the group ({@link Tiles#TOKENS} = 16 = {@link Lanes#N} here),
     * from {@code sc[so]}, and the scalar part {@code Σ dw·da·sum} of each token added to
     * {@code off[oo ..]} (Q4_0).
     */
    static void tileScales(MemorySegment w, long row, int quantBytes, int b0, int b1, Activations a, int slot0,
                           float[] sc, int so, float[] off, int oo) {
        FloatVector o = FloatVector.fromArray(Lanes.F, off, oo);
        for (int b = b0; b < b1; b++) {
            int slot = slot0 + b * Tiles.TOKENS;
            FloatVector s = FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b, quantBytes)))
                    .mul(FloatVector.fromArray(Lanes.F, a.dt, slot));
            s.intoArray(sc, so + (b - b0) * Tiles.TOKENS);
            o = o.add(s.mul(FloatVector.fromArray(Lanes.F, a.st, slot)));
        }
        o.intoArray(off, oo);
    }

    /** {@link #tileScales} without a scalar part (Q8_0). */
    static void tileScales(MemorySegment w, long row, int quantBytes, int b0, int b1, Activations a, int slot0,
                           float[] sc, int so) {
        for (int b = b0; b < b1; b++) {
            FloatVector.broadcast(Lanes.F, Lanes.f16(w, row + PackedMatrix.scale(b, quantBytes)))
                    .mul(FloatVector.fromArray(Lanes.F, a.dt, slot0 + b * Tiles.TOKENS)).intoArray(sc, so + (b - b0) * Tiles.TOKENS);
        }
    }
}
