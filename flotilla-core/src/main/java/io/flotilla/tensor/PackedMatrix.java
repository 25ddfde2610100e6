package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Q4_0 or Q8_0 matrix repacked for the one-token kernels ({@code io.flotilla.kernel.PackedKernel}):
 * the same bytes as the GGUF layout, in another order, so that the rows of a stripe are read as
 * one forward stream.
 *
 * <p>Rows go in stripes of {@link #stripe()} rows (the last stripe of a matrix may be narrower: its
 * width {@code n} is what is left). A stripe of rows {@code s .. s+n-1} starts at byte
 * {@code s * rowBytes}, where the GGUF layout has its first row, and holds first the f16 scales of
 * its rows (row by row, block order), then their quants, interleaved in groups of {@link #GROUP}
 * blocks: group 0 of row s, group 0 of row s+1, ..., group 0 of row s+n-1, then group 1 of each,
 * and so on (so rows need a multiple of 512 columns). A group holds the quants of its pairs of
 * blocks {@code (2i, 2i+1)}:
 * <ul>
 * <li>Q4_0, 32 bytes per pair: byte {@code 2j+k} is byte {@code j} of block {@code 2i+k} (weight
 * {@code j} in its low nibble, weight {@code j+16} in its high nibble);</li>
 * <li>Q8_0, 64 bytes per pair: the little-endian short {@code 2j+k} holds weight {@code j} of block
 * {@code 2i+k} in its low byte and weight {@code j+16} in its high byte.</li>
 * </ul>
 * Read as 16-bit lanes, lane {@code 2j+k} then carries the two weights that the GGUF kernels add
 * into float lane {@code j} of block {@code 2i+k}; read as 32-bit lanes, lane {@code j} holds
 * those of both blocks. A kernel computing the rows of a stripe together reads their scales, then
 * their quants in order, feeding one accumulator chain per row. Where a row's parts are:
 * {@link #scales}, {@link #quants}, {@link #quantStride}, {@link #quant}.
 */
public final class PackedMatrix extends WeightMatrix {
    /** Blocks per group. */
    public static final int GROUP = 16;
    /**
     * Rows per stripe by default; {@link #MAX_STRIPE} and each of its divisors are allowed. 1: on the
     * quiet machine (session 5, 1B Q4_0, 2 threads) stripes of 4 decoded at 0.95x of stripes of 1 and
     * packed 0.5-2 s slower (docs/kernels-decode.md); they stay available ({@code -Dflotilla.packStripe=4}).
     */
    public static final int STRIPE = 1;
    /** The widest stripe (a power of two): callers that split rows between threads cut at multiples of it. */
    public static final int MAX_STRIPE = 4;
    private final GgmlType type;
    private final int stripe;

    private PackedMatrix(MemorySegment data, int rows, int cols, GgmlType type, int stripe) {
        super(data, rows, cols, type);
        this.type = type;
        this.stripe = stripe;
    }

    /** Rows per stripe of this matrix (a divisor of {@link #MAX_STRIPE}). */
    public int stripe() {
        return stripe;
    }

    /** Bytes of the quants of one block: 16 for Q4_0, 32 for Q8_0. */
    public static int quantBytes(GgmlType type) {
        return switch (type) {
            case Q4_0 -> 16;
            case Q8_0 -> 32;
            default -> throw new UnsupportedOperationException("no packed layout for tensor type " + type);
        };
    }

    /**
     * Rows in the stripe of the row at GGUF offset {@code row} ({@code r * rowBytes}), in a matrix
     * of {@code totalBytes} cut in stripes of {@code stripe}.
     */
    public static long width(long row, long rowBytes, long totalBytes, int stripe) {
        long s0 = row / rowBytes / stripe * stripe;
        return Math.min(stripe, totalBytes / rowBytes - s0);
    }

    /** Where the f16 scales of the row at GGUF offset {@code row} start (block {@code b}'s at {@code + 2b}). */
    public static long scales(long row, long rowBytes, int quantBytes, int stripe) {
        long r = row / rowBytes;
        long s0 = r - r % stripe;
        return s0 * rowBytes + (r - s0) * 2 * (rowBytes / (quantBytes + 2));
    }

    /** Where the quants of the first group of the row at GGUF offset {@code row} start. */
    public static long quants(long row, long rowBytes, long totalBytes, int quantBytes, int stripe) {
        long r = row / rowBytes;
        long s0 = r - r % stripe;
        long blocks = rowBytes / (quantBytes + 2);
        return s0 * rowBytes + width(row, rowBytes, totalBytes, stripe) * 2 * blocks + (r - s0) * GROUP * quantBytes;
    }

    /** Bytes from one group of quants of the row at GGUF offset {@code row} to its next. */
    public static long quantStride(long row, long rowBytes, long totalBytes, int quantBytes, int stripe) {
        return width(row, rowBytes, totalBytes, stripe) * GROUP * quantBytes;
    }

    /** Offset from a row's {@link #quants} of the quants of block {@code b}, groups {@code stride} apart. */
    public static long quant(int b, int quantBytes, long stride) {
        return stride * (b / GROUP) + (long) quantBytes * (b % GROUP);
    }

    /** Whether {@code w} can be packed: Q4_0 or Q8_0 with whole groups of blocks (cols % 512 == 0). */
    public static boolean packable(WeightMatrix w) {
        return (w.type() == GgmlType.Q4_0 || w.type() == GgmlType.Q8_0) && !(w instanceof PackedMatrix)
                && w.cols() % (32 * GROUP) == 0;
    }

    /**
     * A packed copy, in stripes of {@code stripe} rows, of rows [r0, r1) of {@code w} into
     * {@code dst}, which has room for all rows (same byte size as {@code w.data()}); call on disjoint
     * row ranges in parallel, then {@link #of}.
     */
    public static void pack(WeightMatrix w, MemorySegment dst, int r0, int r1, int stripe) {
        if (!packable(w) || dst.byteSize() != w.data().byteSize() || stripe < 1 || MAX_STRIPE % stripe != 0) {
            throw new IllegalArgumentException("cannot pack " + w.type() + " " + w.rows() + "x" + w.cols()
                    + " into " + dst.byteSize() + " bytes in stripes of " + stripe + " rows (need Q4_0/Q8_0, cols % 512 == 0, "
                    + w.data().byteSize() + " bytes, a stripe dividing " + MAX_STRIPE + ")");
        }
        int rowBytes = (int) w.rowBytes;
        int quantBytes = quantBytes(w.type());
        int blocks = w.cols() / 32;
        byte[] src = new byte[rowBytes];
        byte[] scales = new byte[2 * blocks];
        byte[] quants = new byte[quantBytes * blocks];
        for (int r = r0; r < r1; r++) {
            long row = (long) r * rowBytes;
            MemorySegment.copy(w.data(), ValueLayout.JAVA_BYTE, row, src, 0, rowBytes);
            split(src, quantBytes, scales, quants);
            MemorySegment.copy(scales, 0, dst, ValueLayout.JAVA_BYTE, scales(row, rowBytes, quantBytes, stripe), scales.length);
            long at = quants(row, rowBytes, dst.byteSize(), quantBytes, stripe);
            long stride = quantStride(row, rowBytes, dst.byteSize(), quantBytes, stripe);
            for (int g = 0; g < blocks / GROUP; g++) {
                MemorySegment.copy(quants, g * GROUP * quantBytes, dst, ValueLayout.JAVA_BYTE, at + g * stride,
                        GROUP * quantBytes);
            }
        }
    }

    /** One GGUF row into its scales and its quants, pair by pair in the packed order. */
    private static void split(byte[] src, int quantBytes, byte[] scales, byte[] quants) {
        int blockBytes = quantBytes + 2;
        for (int b = 0; b < scales.length / 2; b++) {
            scales[2 * b] = src[blockBytes * b];
            scales[2 * b + 1] = src[blockBytes * b + 1];
        }
        for (int b = 0; b < scales.length / 2; b += 2) {
            int s0 = blockBytes * b + 2;
            int o = quantBytes * b;
            for (int j = 0; j < 16; j++) {
                if (quantBytes == 16) {
                    quants[o + 2 * j] = src[s0 + j];
                    quants[o + 2 * j + 1] = src[s0 + 18 + j];
                } else {
                    quants[o + 4 * j] = src[s0 + j];
                    quants[o + 4 * j + 1] = src[s0 + 16 + j];
                    quants[o + 4 * j + 2] = src[s0 + 34 + j];
                    quants[o + 4 * j + 3] = src[s0 + 34 + 16 + j];
                }
            }
        }
    }

    /** The packed matrix over {@code data} that {@link #pack} filled from {@code w} in stripes of {@code stripe}. */
    public static PackedMatrix of(WeightMatrix w, MemorySegment data, int stripe) {
        return new PackedMatrix(data, w.rows(), w.cols(), w.type(), stripe);
    }

    /** Packs all of {@code w} in stripes of {@link #STRIPE} rows on the calling thread into memory of {@code arena}. */
    public static PackedMatrix pack(WeightMatrix w, Arena arena) {
        return pack(w, arena, STRIPE);
    }

    /** Packs all of {@code w} in stripes of {@code stripe} rows on the calling thread into memory of {@code arena}. */
    public static PackedMatrix pack(WeightMatrix w, Arena arena, int stripe) {
        MemorySegment dst = arena.allocate(w.data().byteSize(), 64);
        pack(w, dst, 0, w.rows(), stripe);
        return of(w, dst, stripe);
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public boolean packed() {
        return true;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        int blocks = cols / 32;
        boolean q4 = type == GgmlType.Q4_0;
        int quantBytes = quantBytes(type);
        long at = (long) row * rowBytes;
        long scales = scales(at, rowBytes, quantBytes, stripe);
        long quants = quants(at, rowBytes, data.byteSize(), quantBytes, stripe);
        long stride = quantStride(at, rowBytes, data.byteSize(), quantBytes, stripe);
        for (int b = 0; b < blocks; b++) {
            float d = f16(scales + 2L * b);
            int o = off + 32 * b;
            long pair = quants + quant(b - b % 2, quantBytes, stride);
            int k = b % 2;
            for (int j = 0; j < 16; j++) {
                if (q4) {
                    int q = u8(pair + 2 * j + k);
                    dst[o + j] = d * ((q & 0xF) - 8);
                    dst[o + j + 16] = d * ((q >>> 4) - 8);
                } else {
                    dst[o + j] = d * s8(pair + 4 * j + 2 * k);
                    dst[o + j + 16] = d * s8(pair + 4 * j + 2 * k + 1);
                }
            }
        }
    }
}
