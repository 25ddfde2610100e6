package io.flotilla.quant;

import io.flotilla.gguf.GgmlType;

/**
 * Float rows to GGUF bytes, following ggml's reference quantizers ({@code quantize_row_*_ref},
 * the ones llama.cpp uses when no importance matrix is given) operation for operation, so a file
 * Flotilla writes holds the bytes llama.cpp would have written. Halves are rounded to nearest even
 * as ggml does; {@code roundf} rounds half away from zero; {@code nearest_int} to nearest even.
 */
public final class Quantizer {
    private Quantizer() {
    }

    /** Quantizes {@code src} (whole rows; its length a multiple of the type's block size). */
    public static byte[] quantize(GgmlType type, float[] src) {
        int bs = type.blockSize();
        if (src.length % bs != 0) {
            throw new IllegalArgumentException(type + " quantizes blocks of " + bs + " values; got " + src.length);
        }
        byte[] dst = new byte[Math.toIntExact(type.byteSize(src.length))];
        int ts = type.typeSize();
        for (int b = 0; b < src.length / bs; b++) {
            int x = b * bs;
            int y = b * ts;
            switch (type) {
                case F32 -> putInt(dst, y, Float.floatToRawIntBits(src[x]));
                case F16 -> putShort(dst, y, Float.floatToFloat16(src[x]));
                case BF16 -> putShort(dst, y, toBf16(src[x]));
                case Q8_0 -> q8_0(src, x, dst, y);
                case Q4_0 -> q4_0(src, x, dst, y);
                case Q4_1 -> q4_1(src, x, dst, y);
                case Q5_0 -> q5_0(src, x, dst, y);
                case Q5_1 -> q5_1(src, x, dst, y);
                case Q4_K -> KQuantizer.q4_K(src, x, dst, y);
                case Q5_K -> KQuantizer.q5_K(src, x, dst, y);
                case Q6_K -> KQuantizer.q6_K(src, x, dst, y);
                default -> throw new UnsupportedOperationException("quantizing to " + type + " is not supported");
            }
        }
        return dst;
    }

    /** bfloat16 bits of {@code f}, rounded to nearest even; NaNs stay (quiet) NaNs. */
    public static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** C's {@code roundf}: nearest integer, halves away from zero. */
    static int roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) Math.copySign(a, v);
    }

    /** ggml's {@code nearest_int}: nearest integer, halves to even. */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    static void putHalf(byte[] b, int off, float v) {
        putShort(b, off, Float.floatToFloat16(v));
    }

    static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >> (8 * i));
        }
    }

    private static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 32; j++) {
            y[yo + 2 + j] = (byte) roundf(x[xo + j] * id);
        }
    }

    /** The value of largest magnitude, signed (the first one on ties). */
    private static float signedAbsMax(float[] x, int xo, int n) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float d = signedAbsMax(x, xo, 32) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (int) (x[xo + j] * id + 8.5f));
            int xi1 = Math.min(15, (int) (x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    private static void q4_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (int) ((x[xo + j] - min) * id + 0.5f));
            int xi1 = Math.min(15, (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            y[yo + 4 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    private static void q5_0(float[] x, int xo, byte[] y, int yo) {
        float d = signedAbsMax(x, xo, 32) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(31, (int) (x[xo + j] * id + 16.5f));
            int xi1 = Math.min(31, (int) (x[xo + 16 + j] * id + 16.5f));
            y[yo + 6 + j] = (byte) ((xi0 & 0xF) | (xi1 & 0xF) << 4);
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(y, yo + 2, qh);
    }

    private static void q5_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = (int) ((x[xo + j] - min) * id + 0.5f);
            int xi1 = (int) ((x[xo + 16 + j] - min) * id + 0.5f);
            y[yo + 8 + j] = (byte) ((xi0 & 0xF) | (xi1 & 0xF) << 4);
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(y, yo + 4, qh);
    }
}
