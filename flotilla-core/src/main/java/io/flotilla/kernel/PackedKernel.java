package io.flotilla.kernel;

import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What the packed one-token kernels ({@link Q4_0PackedKernel}, {@link Q8_0PackedKernel}) share: the
 * row layout of {@link PackedMatrix} (one kernel instance per stripe width), the block scales of a
 * row computed 16 at a time into the calling thread's scratch, the products of whole stripes
 * ({@link #rows}) and {@code dot4} as four {@code dot}s. Needs 16 float lanes (AVX-512), where the
 * GGUF kernels' float lane {@code j} of a block sums weights {@code j} and {@code j+16}: the packed
 * kernels keep exactly that lane assignment, block order and scale rounding for every row, whether
 * computed alone ({@code dot}) or with the other rows of its stripe ({@link #stripe}), so their
 * results equal the GGUF kernels' bit for bit.
 */
abstract sealed class PackedKernel extends DotKernel permits Q4_0PackedKernel, Q8_0PackedKernel {
    /** Whether this CPU runs the packed kernels. */
    static final boolean USABLE = Lanes.N == 16;
    private static final float TWO_TO_112 = 0x1p112f;
    /** The kernels made so far, one per (type, stripe, columns): copied on write, scanned on read. */
    private static volatile PackedKernel[] made = new PackedKernel[0];

    /** Rows per stripe of the matrices this instance reads. */
    final int stripe;
    /** Bytes of the quants of one block: 16 (Q4_0) or 32 (Q8_0). */
    final int quantBytes;
    /** Columns of the rows this instance reads. */
    final int cols;
    /** Bytes of one row. */
    final long rowBytes;

    PackedKernel(int stripe, int quantBytes, int cols) {
        this.stripe = stripe;
        this.quantBytes = quantBytes;
        this.cols = cols;
        this.rowBytes = (quantBytes + 2L) * (cols / Activations.BLOCK);
    }

    /**
     * The kernel of a packed matrix: one instance per type, stripe width and row length (a
     * row's place in a stripe depends on all three), made on first use.
     */
    static DotKernel of(WeightMatrix w) {
        if (!(w instanceof PackedMatrix p)) {
            throw new IllegalArgumentException("not a packed matrix: " + w.type() + " " + w.rows() + "x" + w.cols());
        }
        int quantBytes = PackedMatrix.quantBytes(p.type());
        PackedKernel k = find(made, quantBytes, p.stripe(), p.cols());
        return k != null ? k : make(quantBytes, p.stripe(), p.cols());
    }

    private static PackedKernel find(PackedKernel[] kernels, int quantBytes, int stripe, int cols) {
        for (PackedKernel k : kernels) {
            if (k.quantBytes == quantBytes && k.stripe == stripe && k.cols == cols) {
                return k;
            }
        }
        return null;
    }

    private static synchronized PackedKernel make(int quantBytes, int stripe, int cols) {
        PackedKernel[] old = made;
        PackedKernel k = find(old, quantBytes, stripe, cols);
        if (k == null) {
            k = quantBytes == 16 ? new Q4_0PackedKernel(stripe, cols) : new Q8_0PackedKernel(stripe, cols);
            PackedKernel[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = k;
            made = grown;
        }
        return k;
    }

    @Override
    final boolean quantized() {
        return true;
    }

    /**
     * Floats of the scratch the packed kernels need: per row of a stripe, {@link Lanes#N} + 1 for its
     * accumulators and two per block (its scales and offsets).
     */
    @Override
    final int scratch(int cols) {
        return Math.max(Lanes.SCRATCH, stripe * (Lanes.N + 1 + 2 * cols / Activations.BLOCK));
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

    /** Throws unless the activations have this kernel's row length. */
    final void checkColumns(Activations a) {
        if (a.cols() != cols) {
            throw new IllegalArgumentException("activations of " + a.cols() + " columns for packed rows of " + cols);
        }
    }

    /** Where the scales of the row at GGUF offset {@code row} start ({@link PackedMatrix#scales}). */
    final long scalesAt(long row) {
        return PackedMatrix.scales(row, rowBytes, quantBytes, stripe);
    }

    /** Where the quants of the row at GGUF offset {@code row} start ({@link PackedMatrix#quants}). */
    final long quantsAt(MemorySegment w, long row) {
        return PackedMatrix.quants(row, rowBytes, w.byteSize(), quantBytes, stripe);
    }

    /** Bytes between the groups of quants of the row at GGUF offset {@code row} ({@link PackedMatrix#quantStride}). */
    final long quantStride(MemorySegment w, long row) {
        return PackedMatrix.quantStride(row, rowBytes, w.byteSize(), quantBytes, stripe);
    }

    /**
     * Rows {@code [s0, s0 + n)} of one stripe (starting at byte {@code start}, {@code n} its width)
     * against token {@code t}: {@code out[o + i]} for row {@code s0 + i}, each as {@link #dot} gives
     * it, reading the stripe once, in order.
     */
    abstract void stripe(MemorySegment w, long start, int n, Activations a, int t, float[] out, int o, float[] sc);

    /**
     * {@code Kernels.rows} on a packed matrix: {@code out[t*rows + r]} for rows {@code [r0, r1)} and
     * the tokens from {@code t0}; whole stripes in the range through {@link #stripe} (each stripe
     * read once per token, from L1 after the first), the other rows one by one.
     */
    final void rows(WeightMatrix w, Activations a, float[] out, int r0, int r1, float[] sc, int t0) {
        MemorySegment data = w.data();
        int rows = w.rows();
        int n = a.n();
        for (int s0 = r0 - r0 % stripe; s0 < r1; s0 += stripe) {
            int s1 = Math.min(rows, s0 + stripe);
            if (s0 >= r0 && s1 <= r1) {
                for (int t = t0; t < n; t++) {
                    stripe(data, s0 * rowBytes, s1 - s0, a, t, out, t * rows + s0, sc);
                }
            } else {
                for (int r = Math.max(r0, s0); r < Math.min(r1, s1); r++) {
                    for (int t = t0; t < n; t++) {
                        out[t * rows + r] = dot(data, r * rowBytes, a, t, sc);
                    }
                }
            }
        }
    }

    /**
     * The block scales of {@code n} packed rows whose f16 scales follow each other from byte
     * {@code start} of {@code w} ({@code blocks} per row, whole groups): for row {@code i} and block
     * {@code b}, {@code sc[so + 2*blocks*i + b] = dw_b · da_b} with the activation blocks from
     * {@code bo}, rounded as {@code Lanes.f16(w) * a.d[..]} rounds them; with {@code sums}, also
     * {@code sc[so + 2*blocks*i + blocks + b] = sc[..b] · sum_b}. The f16 to float conversion shifts
     * the magnitude into a float's exponent and mantissa and multiplies by 2^112, exact for every
     * finite half (normal and subnormal); the sign is copied over.
     */
    // Checks its arguments in full, which also keeps its bytecode over C2's FreqInlineSize (325): inlined
    // into the kernels (compile order decides), its vector calls joined theirs and overflowed C2's
    // budget for Vector API code; a 1B Q4_0 model then decoded at 0.85x of the GGUF kernels.
    static void scales(MemorySegment w, long start, int n, int blocks, Activations a, int bo, float[] sc, int so,
                       boolean sums) {
        if (n < 1 || blocks < 1 || blocks % PackedMatrix.GROUP != 0 || start < 0 || blocks * Activations.BLOCK > a.cols()
                || start + 2L * blocks * n > w.byteSize() || bo < 0 || bo + blocks > a.d.length
                || bo + blocks > a.sum.length || so < 0 || so + 2 * blocks * n > sc.length) {
            throw new IllegalArgumentException("scales out of range: " + n + " rows of " + blocks
                    + " blocks (whole groups of " + PackedMatrix.GROUP + ", cols " + a.cols() + ") from byte " + start
                    + " of " + w.byteSize() + ", activation block " + bo + " of " + a.d.length + " (sums "
                    + a.sum.length + "), scratch " + so + " of " + sc.length + (sums ? " with sums" : ""));
        }
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < blocks; b += PackedMatrix.GROUP) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S16, w, start + 2L * (blocks * i + b),
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0);
                FloatVector d = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(TWO_TO_112)
                        .reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                FloatVector s = d.mul(FloatVector.fromArray(Lanes.F, a.d, bo + b));
                int o = so + 2 * blocks * i + b;
                s.intoArray(sc, o);
                if (sums) {
                    s.mul(FloatVector.fromArray(Lanes.F, a.sum, bo + b)).intoArray(sc, o + blocks);
                }
            }
        }
    }

    /**
     * {@link DotKernel#scales} for the tiles on packed rows, as {@code Tiles.scales} computes them on
     * GGUF rows: one lane per token of the group ({@link Tiles#TOKENS} = 16 = {@link Lanes#N} here),
     * from {@code sc[so]}, and the scalar part {@code Σ dw·da·sum} of each token added to
     * {@code off[oo ..]} (Q4_0).
     */
    final void tileScales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so,
                          float[] off, int oo) {
        long scales = scalesAt(row);
        FloatVector o = FloatVector.fromArray(Lanes.F, off, oo);
        for (int b = b0; b < b1; b++) {
            int slot = slot0 + b * Tiles.TOKENS;
            FloatVector s = FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * b))
                    .mul(FloatVector.fromArray(Lanes.F, a.dt, slot));
            s.intoArray(sc, so + (b - b0) * Tiles.TOKENS);
            o = o.add(s.mul(FloatVector.fromArray(Lanes.F, a.st, slot)));
        }
        o.intoArray(off, oo);
    }

    /** {@link #tileScales} without a scalar part (Q8_0). */
    final void tileScales(MemorySegment w, long row, int b0, int b1, Activations a, int slot0, float[] sc, int so) {
        long scales = scalesAt(row);
        for (int b = b0; b < b1; b++) {
            FloatVector.broadcast(Lanes.F, Lanes.f16(w, scales + 2L * b))
                    .mul(FloatVector.fromArray(Lanes.F, a.dt, slot0 + b * Tiles.TOKENS)).intoArray(sc, so + (b - b0) * Tiles.TOKENS);
        }
    }
}
