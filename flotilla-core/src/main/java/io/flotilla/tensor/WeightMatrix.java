package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix of {@code rows} outputs by {@code cols} inputs, stored row-major in a GGUF
 * type (quantized along rows), usually a slice of a mapped file. {@code y = W x} computes
 * {@code y[r] = dot(row r, x)}. One subclass per storage type.
 */
public abstract class WeightMatrix {
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;

    protected WeightMatrix(MemorySegment data, int rows, int cols, GgmlType type) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " rows must be a multiple of " + type.blockSize() + ", got " + cols);
        }
        this.rowBytes = type.byteSize(cols);
        if (data.byteSize() != rowBytes * rows) {
            throw new IllegalArgumentException(type + " " + rows + "x" + cols + " needs " + rowBytes * rows
                    + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    public abstract GgmlType type();

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final MemorySegment data() {
        return data;
    }

    /**
     * Whether the rows are in {@link PackedMatrix}'s order rather than {@link #type()}'s GGUF layout
     * (same type and byte size).
     */
    public boolean packed() {
        return false;
    }

    /** Writes row {@code row} as floats into {@code dst[off .. off+cols)}. */
    public abstract void dequantizeRow(int row, float[] dst, int off);

    /** {@code dot(row, x[xOff .. xOff+cols))}, the scalar reference every fast kernel is tested against. */
    public float dot(int row, float[] x, int xOff) {
        float[] tmp = new float[cols];
        dequantizeRow(row, tmp, 0);
        float sum = 0f;
        for (int i = 0; i < cols; i++) {
            sum += tmp[i] * x[xOff + i];
        }
        return sum;
    }

    /**
     * For every token t in [0, n) and row r in [r0, r1): {@code out[t*rows + r] = dot(row r, x[t*cols ...])}.
     * Called by {@link io.flotilla.kernel.Compute} on one thread's share of the rows.
     */
    public void matMul(float[] x, int n, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = dot(r, x, t * cols);
            }
        }
    }

    /** A matrix over {@code data} in {@code type}'s layout. */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new Bf16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported");
        };
    }

    /** Signed byte at absolute offset {@code off} of {@link #data}. */
    final byte s8(long off) {
        return data.get(ValueLayout.JAVA_BYTE, off);
    }

    /** Unsigned byte at absolute offset {@code off} of {@link #data}. */
    final int u8(long off) {
        return data.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    /** Little-endian IEEE half at {@code off}, widened to float. */
    final float f16(long off) {
        return Float.float16ToFloat(data.get(I16, off));
    }

    /** A 2-D tensor of a GGUF file (or a 1-D one as a single row). */
    public static WeightMatrix of(GgufFile file, String name) {
        GgufTensorInfo t = file.requireTensor(name);
        if (t.dims() > 2) {
            throw new IllegalArgumentException(file.path() + ": tensor '" + name + "' has " + t.dims()
                    + " dimensions; use expert() for 3-D expert tensors");
        }
        return ofInfo(file, t, name, file.data(t), Math.toIntExact(t.ne(1)));
    }

    /** Expert {@code e} of a 3-D expert tensor {@code [n_expert][rows][cols]}. */
    public static WeightMatrix expert(GgufFile file, String name, int e) {
        GgufTensorInfo t = file.requireTensor(name);
        int experts = Math.toIntExact(t.ne(2));
        if (e < 0 || e >= experts) {
            throw new IllegalArgumentException(name + " has " + experts + " experts, asked for " + e);
        }
        int rows = Math.toIntExact(t.ne(1));
        long bytes = t.type().byteSize(t.ne(0)) * rows;
        return ofInfo(file, t, name, file.data(t).asSlice(e * bytes, bytes), rows);
    }

    private static WeightMatrix ofInfo(GgufFile file, GgufTensorInfo t, String name, MemorySegment data, int rows) {
        if (!t.type().supported()) {
            throw new UnsupportedOperationException(file.path() + ": tensor '" + name + "' has type " + t.type()
                    + ", which Flotilla does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,"
                    + " Q4_K, Q5_K, Q6_K)");
        }
        return of(t.type(), data, rows, Math.toIntExact(t.ne(0)));
    }
}
