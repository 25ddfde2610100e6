package io.flotilla.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bounds-checked little-endian reader of one payload; errors name the type and the offset. */
final class WireReader {
    private final ByteBuffer buffer;
    private final MessageType type;

    WireReader(byte[] payload, MessageType type) {
        this.buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        this.type = type;
    }

    WireFormatException error(String expected) {
        return new WireFormatException(ErrorCode.PROTOCOL_VIOLATION,
                type + " payload at offset " + buffer.position() + " of " + buffer.limit() + ": " + expected);
    }

    private void need(long bytes, String what) throws WireFormatException {
        if (bytes < 0 || buffer.remaining() < bytes) {
            throw error("expected " + what + " (" + bytes + " bytes), " + buffer.remaining() + " left");
        }
    }

    int u8() throws WireFormatException {
        need(1, "u8");
        return buffer.get() & 0xFF;
    }

    int u16() throws WireFormatException {
        need(2, "u16");
        return buffer.getShort() & 0xFFFF;
    }

    int i32() throws WireFormatException {
        need(4, "i32");
        return buffer.getInt();
    }

    long i64() throws WireFormatException {
        need(8, "i64");
        return buffer.getLong();
    }

    String string() throws WireFormatException {
        int length = u16();
        need(length, "UTF-8 string");
        try {
            String value = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(buffer.slice(buffer.position(), length)).toString();
            buffer.position(buffer.position() + length);
            return value;
        } catch (CharacterCodingException e) {
            throw error("valid UTF-8 string of " + length + " bytes");
        }
    }

    String[] strings() throws WireFormatException {
        String[] values = new String[count(2, "string")];
        for (int i = 0; i < values.length; i++) {
            values[i] = string();
        }
        return values;
    }

    double f64() throws WireFormatException {
        return Double.longBitsToDouble(i64());
    }

    boolean bool() throws WireFormatException {
        int value = u8();
        if (value > 1) {
            throw error("boolean 0 or 1, got " + value);
        }
        return value == 1;
    }

    byte[] bytes() throws WireFormatException {
        return raw(count(1, "byte array"));
    }

    byte[] raw(int length) throws WireFormatException {
        need(length, "bytes");
        byte[] value = new byte[length];
        buffer.get(value);
        return value;
    }

    /** An i32 count, checked against what is left so a bad count cannot allocate much. */
    int count(int elementBytes, String what) throws WireFormatException {
        int count = i32();
        if (count < 0) {
            throw error("non-negative count of " + what + ", got " + count);
        }
        need((long) count * elementBytes, count + " × " + what);
        return count;
    }

    int[] ints() throws WireFormatException {
        int[] values = new int[count(4, "i32")];
        buffer.asIntBuffer().get(values);
        buffer.position(buffer.position() + 4 * values.length);
        return values;
    }

    float[] floats(long count, FloatFormat format) throws WireFormatException {
        need(count * format.bytes(), count + " " + format + " values");
        float[] values = new float[(int) count];
        switch (format) {
            case F32 -> {
                buffer.asFloatBuffer().get(values);
                buffer.position(buffer.position() + 4 * values.length);
            }
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.float16ToFloat(buffer.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = FloatFormat.bf16ToFloat(buffer.getShort());
                }
            }
        }
        return values;
    }

    FloatFormat floatFormat() throws WireFormatException {
        int id = u8();
        FloatFormat format = FloatFormat.fromId((byte) id);
        if (format == null) {
            throw error("float format 0..2, got " + id);
        }
        return format;
    }

    void end() throws WireFormatException {
        if (buffer.hasRemaining()) {
            throw error("end of payload, " + buffer.remaining() + " bytes left over");
        }
    }
}
