package io.flotilla.model;

/**
 * One layer's slice of a {@link KvCache}: {@code keys[pos × kvDimK + i]} and
 * {@code values[pos × kvDimV + i]}, IEEE half floats.
 */
public record KvLayer(short[] keys, short[] values, int kvDimK, int kvDimV) {

    /** Stores token {@code pos}'s key and value vectors, rounding them to half precision. */
    public void store(int pos, float[] k, int kOff, float[] v, int vOff) {
        int kb = pos * kvDimK;
        for (int i = 0; i < kvDimK; i++) {
            keys[kb + i] = Float.floatToFloat16(k[kOff + i]);
        }
        int vb = pos * kvDimV;
        for (int i = 0; i < kvDimV; i++) {
            values[vb + i] = Float.floatToFloat16(v[vOff + i]);
        }
    }
}
