package io.flotilla.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes every kernel shares, chosen once for this CPU. Quantized kernels work on
 * 16 weights at a time as 16 short lanes (256 bits: products of 8-bit activations and up to 6-bit
 * weights fit a short, as do sums of two); short lanes widen to floats in one step on AVX-512
 * (16 float lanes) or two on AVX2 (8 float lanes), decided by a constant the JIT folds.
 */
final class Lanes {
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /**
     * Ints with as many lanes as {@link #F}. A constant, not {@code F.withLanes(int.class)} at the
     * call site: that lookup is not folded by C2, the species is then not a constant and every
     * conversion to it runs the Java fallback (F16/BF16 rows ran at 0.3 GB/s).
     */
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts with as many lanes as {@link #F}, for half-precision weights. */
    static final VectorSpecies<Short> SF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    private static final boolean WIDE = F.length() >= 16;

    /** Float lanes of {@link #F}. */
    static final int N = F.length();

    /** Floats of the scratch a {@code dot4} stores its four accumulators in. */
    static final int SCRATCH = 4 * N;

    /** Whether the vector kernels pay off here (at least 256-bit integer lanes, as with AVX2). */
    static final boolean USABLE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    private Lanes() {
    }

    /** 16 unsigned bytes at {@code off}, zero-extended to short lanes. */
    static ShortVector u8(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B16, w, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
    }

    /** 16 unsigned bytes at {@code off}, zero-extended to int lanes (for the 16-lane tiles). */
    static IntVector u8i(MemorySegment w, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B16, w, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** 16 signed bytes at {@code off}, sign-extended to int lanes (for the 16-lane tiles). */
    static IntVector s8i(MemorySegment w, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B16, w, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, I, 0);
    }

    /** Int lanes as floats. */
    static FloatVector f(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    /** 16 signed bytes at {@code off}, sign-extended to short lanes. */
    static ShortVector s8(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B16, w, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2S, S16, 0);
    }

    /** 16 activation shorts of token data {@code q} at {@code off}. */
    static ShortVector act(short[] q, int off) {
        return ShortVector.fromArray(S16, q, off);
    }

    /** {@code acc + scale * float(p)} over the 16 short lanes of {@code p}. */
    static FloatVector madd(ShortVector p, float scale, FloatVector acc) {
        FloatVector s = FloatVector.broadcast(F, scale);
        acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, 0)).fma(s, acc);
        if (!WIDE) {
            acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, 1)).fma(s, acc);
        }
        return acc;
    }

    private static final ShortVector IOTA = ShortVector.fromArray(S16,
            new short[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

    /** Lane j holds 16 if bit j of {@code bits} is set, else 0 (the fifth bit of Q5_0/Q5_1 weights). */
    static ShortVector fifthBits(int bits) {
        return ShortVector.broadcast(S16, (short) bits).lanewise(VectorOperators.LSHR, IOTA)
                .and((short) 1).lanewise(VectorOperators.LSHL, 4);
    }

    /*
     * Shuffles that fold a float vector in halves: lane i gets lane i + h. Separate constants, not an
     * array: C2 treats static final fields as constants but not the elements of a static final
     * array, and a rearrange by a non-constant shuffle did not compile to a permute (it cost about a
     * microsecond per call, as much as a whole Q4_0 row of 8,192 weights).
     */
    private static final VectorShuffle<Float> FOLD8 = fold(8);
    private static final VectorShuffle<Float> FOLD4 = fold(4);
    private static final VectorShuffle<Float> FOLD2 = fold(2);
    private static final VectorShuffle<Float> FOLD1 = fold(1);

    private static VectorShuffle<Float> fold(int h) {
        int n = F.length();
        return VectorShuffle.fromOp(F, i -> (i + h) % n);
    }

    /**
     * Sum of the lanes in a fixed order (a tree of halves). {@code reduceLanes(ADD)} leaves the order
     * unspecified, and the interpreter and the JIT-compiled code do add in different orders: results
     * would then depend on when a method was compiled, and a split across threads or nodes would not
     * be bit-identical to the single-thread run.
     */
    static float sum(FloatVector acc) {
        if (WIDE) {
            acc = acc.add(acc.rearrange(FOLD8));
        }
        acc = acc.add(acc.rearrange(FOLD4));
        acc = acc.add(acc.rearrange(FOLD2));
        acc = acc.add(acc.rearrange(FOLD1));
        return acc.lane(0);
    }

    /**
     * The lane sum of accumulator {@code k} stored at {@code lanes[k*N ..]}, in {@link #sum(FloatVector)}'s
     * order exactly (so a token's result does not depend on which kernel computed it). Overwrites the
     * scratch.
     */
    static float sum(float[] lanes, int k) {
        int o = k * N;
        for (int h = N / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) {
                lanes[o + i] = lanes[o + i] + lanes[o + i + h];
            }
        }
        return lanes[o];
    }

    static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(I16, off));
    }
}
