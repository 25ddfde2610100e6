package io.flotilla.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads the header of a mapped GGUF file, checking every read against the file's end. */
final class GgufCursor {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIMS = 4;
    private static final int MAX_NESTING = 8;

    private final Path path;
    private final MemorySegment seg;
    private long pos;

    GgufCursor(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
    }

    long position() {
        return pos;
    }

    private void need(long bytes, String what) throws GgufFormatException {
        if (bytes < 0 || pos + bytes > seg.byteSize()) {
            throw new GgufFormatException(path, pos, "expected " + what + " (" + bytes + " bytes) but the file ends at "
                    + seg.byteSize() + " (truncated?)");
        }
    }

    int readInt(String what) throws GgufFormatException {
        need(4, what);
        int v = seg.get(INT, pos);
        pos += 4;
        return v;
    }

    long readLong(String what) throws GgufFormatException {
        need(8, what);
        long v = seg.get(LONG, pos);
        pos += 8;
        return v;
    }

    /** A u64 count that cannot exceed what the rest of the file could hold at {@code minBytesEach}. */
    long readCount(String what, long minBytesEach) throws GgufFormatException {
        long at = pos;
        long n = readLong(what);
        long remaining = seg.byteSize() - pos;
        if (n < 0 || n > remaining / Math.max(1, minBytesEach)) {
            throw new GgufFormatException(path, at, what + " is " + Long.toUnsignedString(n)
                    + ", more than the remaining " + remaining + " bytes can hold (corrupt?)");
        }
        return n;
    }

    String readString(String what) throws GgufFormatException {
        long at = pos;
        long len = readCount("length of " + what, 1);
        need(len, what);
        byte[] bytes = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // tokenizer vocabularies of some converters hold invalid UTF-8: keep it readable, lossy
            if (what.startsWith("metadata key")) {
                throw new GgufFormatException(path, at, what + " is not valid UTF-8");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    GgufValue readValue(String key) throws GgufFormatException {
        return readValue(key, 0);
    }

    private GgufValue readValue(String key, int depth) throws GgufFormatException {
        long at = pos;
        GgufValueType type = GgufValueType.byId(Integer.toUnsignedLong(readInt("value type of '" + key + "'")));
        if (type == null) {
            throw new GgufFormatException(path, at, "unknown value type " + seg.get(INT, at) + " for metadata key '"
                    + key + "': expected 0..12");
        }
        if (type != GgufValueType.ARRAY) {
            return GgufValue.of(type, readScalar(type, key));
        }
        if (depth >= MAX_NESTING) {
            throw new GgufFormatException(path, at, "arrays nested deeper than " + MAX_NESTING + " in '" + key + "'");
        }
        long typeAt = pos;
        GgufValueType elem = GgufValueType.byId(Integer.toUnsignedLong(readInt("array element type of '" + key + "'")));
        if (elem == null) {
            throw new GgufFormatException(path, typeAt, "unknown array element type " + seg.get(INT, typeAt)
                    + " for metadata key '" + key + "'");
        }
        int n = Math.toIntExact(readCount("array length of '" + key + "'", minSize(elem)));
        return GgufValue.array(elem, readArray(elem, n, key, depth));
    }

    private Object readArray(GgufValueType elem, int n, String key, int depth) throws GgufFormatException {
        switch (elem) {
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Float.intBitsToFloat(readInt(key));
                }
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Double.longBitsToDouble(readLong(key));
                }
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Boolean) readScalar(GgufValueType.BOOL, key);
                }
                return a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readString("element " + i + " of '" + key + "'");
                }
                return a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readNestedArray(key, depth + 1); // each carries its own type and length
                }
                return a;
            }
            default -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ((Number) readScalar(elem, key)).longValue();
                }
                return a;
            }
        }
    }

    private GgufValue readNestedArray(String key, int depth) throws GgufFormatException {
        long typeAt = pos;
        GgufValueType elem = GgufValueType.byId(Integer.toUnsignedLong(readInt("nested array type of '" + key + "'")));
        if (elem == null) {
            throw new GgufFormatException(path, typeAt, "unknown nested array element type in '" + key + "'");
        }
        if (depth >= MAX_NESTING) {
            throw new GgufFormatException(path, typeAt, "arrays nested deeper than " + MAX_NESTING + " in '" + key + "'");
        }
        int n = Math.toIntExact(readCount("array length of '" + key + "'", minSize(elem)));
        return GgufValue.array(elem, readArray(elem, n, key, depth));
    }

    private Object readScalar(GgufValueType type, String key) throws GgufFormatException {
        String what = type + " value of '" + key + "'";
        return switch (type) {
            case UINT8 -> { need(1, what); yield (long) (seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF); }
            case INT8 -> { need(1, what); yield (long) seg.get(ValueLayout.JAVA_BYTE, pos++); }
            case UINT16 -> { need(2, what); long v = seg.get(SHORT, pos) & 0xFFFF; pos += 2; yield v; }
            case INT16 -> { need(2, what); long v = seg.get(SHORT, pos); pos += 2; yield v; }
            case UINT32 -> Integer.toUnsignedLong(readInt(what));
            case INT32 -> (long) readInt(what);
            case FLOAT32 -> Float.intBitsToFloat(readInt(what));
            case BOOL -> {
                need(1, what);
                byte b = seg.get(ValueLayout.JAVA_BYTE, pos);
                if (b != 0 && b != 1) {
                    throw new GgufFormatException(path, pos, what + " is " + b + ", expected 0 or 1");
                }
                pos++;
                yield b == 1;
            }
            case STRING -> readString(what);
            case UINT64, INT64 -> readLong(what);
            case FLOAT64 -> Double.longBitsToDouble(readLong(what));
            case ARRAY -> throw new IllegalStateException("arrays are read by readValue");
        };
    }

    private static long minSize(GgufValueType t) {
        return switch (t) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case STRING, UINT64, INT64, FLOAT64 -> 8;
            case ARRAY -> 12;
        };
    }

    GgufTensorInfo readTensorInfo() throws GgufFormatException {
        String name = readString("tensor name");
        long at = pos;
        int nDims = readInt("dimension count of tensor '" + name + "'");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new GgufFormatException(path, at, "tensor '" + name + "' has " + nDims
                    + " dimensions, expected 1.." + MAX_DIMS);
        }
        long[] ne = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            ne[d] = readLong("dimension " + d + " of tensor '" + name + "'");
            if (ne[d] < 0 || (ne[d] != 0 && elements > Long.MAX_VALUE / 8 / ne[d])) {
                throw new GgufFormatException(path, dimAt, "tensor '" + name + "' dimension " + d + " is "
                        + Long.toUnsignedString(ne[d]) + " (corrupt?)");
            }
            elements *= ne[d];
        }
        long typeAt = pos;
        int typeId = readInt("type of tensor '" + name + "'");
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
            throw new GgufFormatException(path, typeAt, "tensor '" + name + "' has unknown ggml type id " + typeId);
        }
        if (ne[0] % type.blockSize() != 0) {
            throw new GgufFormatException(path, at, "tensor '" + name + "' of type " + type + " has a row of "
                    + ne[0] + " elements, not a multiple of the block size " + type.blockSize());
        }
        long offset = readLong("data offset of tensor '" + name + "'");
        return new GgufTensorInfo(name, ne, type, offset);
    }
}
