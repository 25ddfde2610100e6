package io.flotilla.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: metadata, tensor infos, then tensor data aligned to
 * {@code general.alignment} (32 unless set). {@link #write(Path)} writes a temporary file beside
 * the target and moves it into place, so a reader never sees half a file.
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();

    private record Entry(String name, GgmlType type, long[] ne, MemorySegment data) {}

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    /** Copies every key of {@code source}. */
    public GgufWriter putAll(GgufMetadata source) {
        metadata.putAll(source.asMap());
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.of(GgufValueType.STRING, value));
    }

    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + ": " + value + " does not fit in UINT32");
        }
        return put(key, GgufValue.of(GgufValueType.UINT32, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.of(GgufValueType.INT32, (long) value));
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValue.of(GgufValueType.UINT64, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.of(GgufValueType.FLOAT32, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.of(GgufValueType.BOOL, value));
    }

    public GgufWriter putStringArray(String key, String[] values) {
        return put(key, GgufValue.array(GgufValueType.STRING, values.clone()));
    }

    public GgufWriter putFloat32Array(String key, float[] values) {
        return put(key, GgufValue.array(GgufValueType.FLOAT32, values.clone()));
    }

    public GgufWriter putInt32Array(String key, int[] values) {
        long[] l = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            l[i] = values[i];
        }
        return put(key, GgufValue.array(GgufValueType.INT32, l));
    }

    /** Adds a tensor whose bytes are already in {@code type}'s layout. {@code ne[0]} is the row length. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, MemorySegment data) {
        long elements = 1;
        for (long d : ne) {
            elements *= d;
        }
        if (data.byteSize() != type.byteSize(elements)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + java.util.Arrays.toString(ne)
                    + " takes " + type.byteSize(elements) + " bytes, got " + data.byteSize());
        }
        for (Entry e : tensors) {
            if (e.name.equals(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' added twice");
            }
        }
        tensors.add(new Entry(name, type, ne.clone(), data));
        return this;
    }

    /** Adds an F32 tensor. */
    public GgufWriter addTensor(String name, long[] ne, float[] data) {
        ByteBuffer le = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        le.asFloatBuffer().put(data);
        return addTensor(name, GgmlType.F32, ne, MemorySegment.ofArray(le.array()));
    }

    private int alignment() {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : ((Number) a.value()).intValue();
    }

    /** Writes the file atomically (temporary file in the same folder, then a move). */
    public void write(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        int alignment = alignment();
        HeaderBuffer h = new HeaderBuffer();
        h.putInt(GgufFile.MAGIC);
        h.putInt(3);
        h.putLong(tensors.size());
        h.putLong(metadata.size());
        for (Map.Entry<String, GgufValue> kv : metadata.entrySet()) {
            h.putString(kv.getKey());
            h.putValue(kv.getValue());
        }
        long offset = 0;
        for (Entry t : tensors) {
            h.putString(t.name);
            h.putInt(t.ne.length);
            for (long d : t.ne) {
                h.putLong(d);
            }
            h.putInt(t.type.id());
            h.putLong(offset);
            offset = GgufFile.align(offset + t.data.byteSize(), alignment);
        }
        h.pad(alignment);
        h.flushTo(ch);
        long written = 0;
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        MemorySegment chunkSeg = MemorySegment.ofBuffer(chunk);
        for (Entry t : tensors) {
            // copied through a direct buffer: works for mapped, native and any heap array segment
            for (long off = 0; off < t.data.byteSize(); off += chunk.capacity()) {
                int len = (int) Math.min(chunk.capacity(), t.data.byteSize() - off);
                MemorySegment.copy(t.data, off, chunkSeg, 0, len);
                chunk.clear().limit(len);
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
            }
            written += t.data.byteSize();
            long aligned = GgufFile.align(written, alignment);
            ch.write(ByteBuffer.allocate((int) (aligned - written)));
            written = aligned;
        }
    }

    /** A growable little-endian buffer for the header. */
    private static final class HeaderBuffer {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        void putInt(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void putLong(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void putByte(int v) {
            ensure(1);
            buf.put((byte) v);
        }

        void putString(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            putLong(b.length);
            ensure(b.length);
            buf.put(b);
        }

        void putValue(GgufValue v) {
            putInt(v.type().id());
            if (v.type() == GgufValueType.ARRAY) {
                putArray(v);
            } else {
                putScalar(v.type(), v.value());
            }
        }

        private void putArray(GgufValue v) {
            putInt(v.elementType().id());
            putLong(v.length());
            switch (v.value()) {
                case float[] a -> { for (float f : a) putInt(Float.floatToRawIntBits(f)); }
                case double[] a -> { for (double d : a) putLong(Double.doubleToRawLongBits(d)); }
                case boolean[] a -> { for (boolean b : a) putByte(b ? 1 : 0); }
                case String[] a -> { for (String s : a) putString(s); }
                case long[] a -> { for (long l : a) putScalar(v.elementType(), l); }
                case GgufValue[] a -> { for (GgufValue nested : a) putArray(nested); } // each: type, length, body
                default -> throw new IllegalArgumentException("not an array value: " + v);
            }
        }

        private void putScalar(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> putByte(((Number) value).intValue());
                case UINT16, INT16 -> { ensure(2); buf.putShort(((Number) value).shortValue()); }
                case UINT32, INT32 -> putInt(((Number) value).intValue());
                case UINT64, INT64 -> putLong(((Number) value).longValue());
                case FLOAT32 -> putInt(Float.floatToRawIntBits(((Number) value).floatValue()));
                case FLOAT64 -> putLong(Double.doubleToRawLongBits(((Number) value).doubleValue()));
                case BOOL -> putByte((Boolean) value ? 1 : 0);
                case STRING -> putString((String) value);
                case ARRAY -> throw new IllegalArgumentException("nested ARRAY must be written by putArray");
            }
        }

        void pad(int alignment) {
            int padded = (int) GgufFile.align(buf.position(), alignment);
            ensure(padded - buf.position());
            while (buf.position() < padded) {
                buf.put((byte) 0);
            }
        }

        void flushTo(FileChannel ch) throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }
}
