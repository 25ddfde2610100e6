package io.flotilla.wire;

/** How a float payload travels: full float32, or 16-bit halves of it (lossy). */
public enum FloatFormat {
    F32(0, 4),
    F16(1, 2),
    BF16(2, 2);

    private final byte id;
    private final int bytes;

    FloatFormat(int id, int bytes) {
        this.id = (byte) id;
        this.bytes = bytes;
    }

    public byte id() {
        return id;
    }

    /** Bytes per value on the wire. */
    public int bytes() {
        return bytes;
    }

    /** The format with this id, or null when unknown. */
    public static FloatFormat fromId(byte id) {
        for (FloatFormat format : values()) {
            if (format.id == id) {
                return format;
            }
        }
        return null;
    }

    /** The value as it reads back after a trip through this format. */
    public float roundTrip(float value) {
        return switch (this) {
            case F32 -> value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> bf16ToFloat(floatToBf16(value));
        };
    }

    /** Float32 to bfloat16 bits, rounding to nearest even; NaN stays NaN. */
    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
