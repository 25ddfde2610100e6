package io.flotilla.train.dist;

/** bf16: each value keeps its sign, exponent and top 7 mantissa bits (round to nearest even). */
public final class Bf16Compressor implements GradientCompressor {

    @Override
    public CompressedGradient.Bf16 compress(float[] gradient, float[] residual) {
        GradientCompressor.checkLengths(gradient, residual);
        short[] out = new short[gradient.length];
        for (int i = 0; i < gradient.length; i++) {
            float x = gradient[i] + residual[i];
            short b = toBf16(x);
            out[i] = b;
            residual[i] = x - fromBf16(b);
        }
        return new CompressedGradient.Bf16(out);
    }

    @Override
    public void decompress(CompressedGradient payload, float[] out) {
        short[] v = ((CompressedGradient.Bf16) payload).values();
        for (int i = 0; i < v.length; i++) {
            out[i] = fromBf16(v[i]);
        }
    }

    static short toBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40); // stay a (quiet) NaN
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
