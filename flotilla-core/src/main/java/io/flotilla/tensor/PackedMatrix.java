package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Q4_0 or Q8_0 matrix repacked for the one-token kernels ({@code io.flotilla.kernel.PackedKernel}):
 * the same bytes as the GGUF layout, in another order. A row is cut into groups of {@link #GROUP}
 * blocks (so rows need a multiple of 512 columns); a group holds first its 16 f16 scales in block
 * order, then the quants of its pairs of blocks {@code (2i, 2i+1)}:
 * <ul>
 * <li>Q4_0, 32 bytes per pair: byte {@code 2j+k} is byte {@code j} of block {@code 2i+k} (weight
 * {@code j} in its low nibble, weight {@code j+16} in its high nibble);</li>
 * <li>Q8_0, 64 bytes per pair: the little-endian short {@code 2j+k} holds weight {@code j} of block
 * {@code 2i+k} in its low byte and weight {@code j+16} in its high byte.</li>
 * </ul>
 * Read as 16-bit lanes, lane {@code 2j+k} then carries the two weights that the GGUF kernels add
 * into float lane {@code j} of block {@code 2i+k}; read as 32-bit lanes, lane {@code j} holds
 * those of both blocks.
 *
 * <p>Rows go in stripes of {@link #stripe()} rows (the last stripe may be narrower), interleaved
 * group by group: a stripe of rows {@code s .. s+n-1} starts at byte {@code s * rowBytes} and holds
 * group 0 of row s, group 0 of row s+1, ..., group 0 of row s+n-1, then group 1 of each, and so on.
 * A kernel computing the rows of a stripe together reads one forward stream that feeds one
 * accumulator chain per row. With a stripe of 1 the rows are contiguous. Where a row's groups are:
 * {@link #start} and {@link #stride}.
 */
public final class PackedMatrix extends WeightMatrix {
    /** Blocks per group. */
    public static final int GROUP = 16;
    /** Rows per stripe by default; {@link #MAX_STRIPE} and each of its divisors are allowed. */
    public static final int STRIPE = 4;
    /** The widest stripe: callers that split rows between threads cut at multiples of it. */
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

    /** Bytes of one group of one row ({@code quantBytes}: 16 for Q4_0, 32 for Q8_0). */
    public static long groupBytes(int quantBytes) {
        return GROUP * (quantBytes + 2L);
    }

    /**
     * Where the first group of a row starts: {@code row} is the row's offset in the GGUF layout
     * ({@code r * rowBytes}), {@code groupBytes} that of {@link #groupBytes}, {@code stripe} the
     * matrix's rows per stripe.
     */
    public static long start(long row, long rowBytes, long groupBytes, int stripe) {
        long r = row / rowBytes;
        long s0 = r - r % stripe;
        return s0 * rowBytes + (r - s0) * groupBytes;
    }

    /**
     * Bytes from one group of a row to its next ({@code groupBytes} times the width of the row's
     * stripe, narrower for the last stripe of a matrix of {@code totalBytes}).
     */
    public static long stride(long row, long rowBytes, long groupBytes, long totalBytes, int stripe) {
        long r = row / rowBytes;
        long s0 = r - r % stripe;
        return Math.min(stripe, totalBytes / rowBytes - s0) * groupBytes;
    }

    /** Offset from a row's {@link #start} of the quants of block {@code b}, groups {@code stride} apart. */
    public static long quants(int b, int quantBytes, long stride) {
        return stride * (b / GROUP) + 2 * GROUP + (long) quantBytes * (b % GROUP);
    }

    /** Offset from a row's {@link #start} of the f16 scale of block {@code b}, groups {@code stride} apart. */
    public static long scale(int b, long stride) {
        return stride * (b / GROUP) + 2L * (b % GROUP);
    }

    /** Whether {@code w} can be packed: Q4_0 or Q8_0 with whole groups of blocks (cols % 512 == 0). */
    public static boolean packable(WeightMatrix w) {
        return (w.type() == GgmlType.Q4_0 || w.type() == GgmlType.Q8_0) && !(w instanceof PackedMatrix)
                && w.cols() % (32 * GROUP) == 0;
    }

    /**
     * A packed copy of rows [r0, r1) of {@code w} into {@code dst}, which has room for all rows
     * (same byte size as {@code w.data()}); call on disjoint row ranges in parallel, then {@link #of}.
     */
    public static void pack(WeightMatrix w, MemorySegment dst, int r0, int r1, int stripe) {
        if (!packable(w) || dst.byteSize() != w.data().byteSize() || stripe < 1 || MAX_STRIPE % stripe != 0) {
            throw new IllegalArgumentException("cannot pack " + w.type() + " " + w.rows() + "x" + w.cols()
                    + " into " + dst.byteSize() + " bytes in stripes of " + stripe + " rows (need Q4_0/Q8_0, cols % 512 == 0, "
                    + w.data().byteSize() + " bytes, a stripe dividing " + MAX_STRIPE + ")");
        }
        int rowBytes = (int) w.rowBytes;
        byte[] src = new byte[rowBytes];
        byte[] out = new byte[rowBytes];
        boolean q4 = w.type() == GgmlType.Q4_0;
        long groupBytes = groupBytes(q4 ? 16 : 32);
        for (int r = r0; r < r1; r++) {
            MemorySegment.copy(w.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, src, 0, rowBytes);
            if (q4) {
                packQ4_0(src, out);
            } else {
                packQ8_0(src, out);
            }
            long row = (long) r * rowBytes;
            long start = start(row, rowBytes, groupBytes, stripe);
            long stride = stride(row, rowBytes, groupBytes, dst.byteSize(), stripe);
            for (int g = 0; g < rowBytes / groupBytes; g++) {
                MemorySegment.copy(out, (int) (g * groupBytes), dst, ValueLayout.JAVA_BYTE, start + g * stride, (int) groupBytes);
            }
        }
    }

    /** One Q4_0 row (18-byte blocks) into the packed order (groups of 16 × 18 bytes). */
    private static void packQ4_0(byte[] src, byte[] out) {
        for (int g = 0; g < src.length; g += 18 * GROUP) { // a group's bytes are at the same offset in both
            for (int b = 0; b < GROUP; b++) {
                out[g + 2 * b] = src[g + 18 * b];
                out[g + 2 * b + 1] = src[g + 18 * b + 1];
            }
            for (int i = 0; i < GROUP / 2; i++) {
                int s0 = g + 36 * i + 2;
                int o = g + 2 * GROUP + 32 * i;
                for (int j = 0; j < 16; j++) {
                    out[o + 2 * j] = src[s0 + j];
                    out[o + 2 * j + 1] = src[s0 + 18 + j];
                }
            }
        }
    }

    /** One Q8_0 row (34-byte blocks) into the packed order (groups of 16 × 34 bytes). */
    private static void packQ8_0(byte[] src, byte[] out) {
        for (int g = 0; g < src.length; g += 34 * GROUP) {
            for (int b = 0; b < GROUP; b++) {
                out[g + 2 * b] = src[g + 34 * b];
                out[g + 2 * b + 1] = src[g + 34 * b + 1];
            }
            for (int i = 0; i < GROUP / 2; i++) {
                int s0 = g + 68 * i + 2;
                int o = g + 2 * GROUP + 64 * i;
                for (int j = 0; j < 16; j++) {
                    out[o + 4 * j] = src[s0 + j];
                    out[o + 4 * j + 1] = src[s0 + 16 + j];
                    out[o + 4 * j + 2] = src[s0 + 34 + j];
                    out[o + 4 * j + 3] = src[s0 + 34 + 16 + j];
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
        int quantBytes = q4 ? 16 : 32;
        long start = start(row * rowBytes, rowBytes, groupBytes(quantBytes), stripe);
        long stride = stride(row * rowBytes, rowBytes, groupBytes(quantBytes), data.byteSize(), stripe);
        for (int b = 0; b < blocks; b++) {
            float d = f16(start + scale(b, stride));
            int o = off + 32 * b;
            long pair = start + quants(b - b % 2, quantBytes, stride);
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
