package io.flotilla.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Little-endian writer into a growing buffer: the only way payloads are encoded. */
final class WireWriter {
    private ByteBuffer buffer;

    WireWriter(int initialCapacity) {
        buffer = ByteBuffer.allocate(Math.max(16, initialCapacity)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void ensure(long more) {
        if (buffer.remaining() >= more) {
            return;
        }
        long needed = buffer.position() + more;
        if (needed > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("payload of " + needed + " bytes is too large");
        }
        int capacity = (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, 2L * buffer.capacity()));
        ByteBuffer grown = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        buffer.flip();
        grown.put(buffer);
        buffer = grown;
    }

    WireWriter u8(int value) {
        ensure(1);
        buffer.put((byte) value);
        return this;
    }

    WireWriter u16(int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException("u16 out of range: " + value);
        }
        ensure(2);
        buffer.putShort((short) value);
        return this;
    }

    WireWriter i32(int value) {
        ensure(4);
        buffer.putInt(value);
        return this;
    }

    WireWriter i64(long value) {
        ensure(8);
        buffer.putLong(value);
        return this;
    }

    /** u16 byte length, then UTF-8. */
    WireWriter string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0xFFFF) {
            throw new IllegalArgumentException("string of " + utf8.length + " UTF-8 bytes exceeds 65535");
        }
        u16(utf8.length);
        return raw(utf8);
    }

    /** i32 count, then each string. */
    WireWriter strings(String[] values) {
        i32(values.length);
        for (String value : values) {
            string(value);
        }
        return this;
    }

    WireWriter f64(double value) {
        return i64(Double.doubleToRawLongBits(value));
    }

    WireWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    /** i32 length, then the bytes. */
    WireWriter bytes(byte[] value) {
        i32(value.length);
        return raw(value);
    }

    WireWriter raw(byte[] value) {
        ensure(value.length);
        buffer.put(value);
        return this;
    }

    /** i32 count, then the values. */
    WireWriter ints(int[] values) {
        i32(values.length);
        ensure(4L * values.length);
        buffer.asIntBuffer().put(values);
        buffer.position(buffer.position() + 4 * values.length);
        return this;
    }

    /** The values in {@code format}, without a count (the caller writes the shape). */
    WireWriter floats(float[] values, FloatFormat format) {
        ensure((long) format.bytes() * values.length);
        switch (format) {
            case F32 -> {
                buffer.asFloatBuffer().put(values);
                buffer.position(buffer.position() + 4 * values.length);
            }
            case F16 -> {
                for (float v : values) {
                    buffer.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    buffer.putShort(FloatFormat.floatToBf16(v));
                }
            }
        }
        return this;
    }

    byte[] toArray() {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }
}
