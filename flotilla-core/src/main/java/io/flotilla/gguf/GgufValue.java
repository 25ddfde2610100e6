package io.flotilla.gguf;

import java.util.Arrays;

/**
 * One metadata value with its GGUF type. Scalars hold a boxed Java value (integers as Long,
 * floats as Float or Double, BOOL as Boolean, STRING as String). Arrays hold a primitive array
 * ({@code long[]} for every integer element type, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}) or {@code GgufValue[]} for nested arrays;
 * {@code elementType} is set for arrays only.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    public static GgufValue array(GgufValueType elementType, Object values) {
        return new GgufValue(GgufValueType.ARRAY, elementType, values);
    }

    /** Number of elements of an array value. */
    public int length() {
        return switch (value) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufValue[] a -> a.length;
            default -> throw new IllegalStateException(type + " value is not an array");
        };
    }

    @Override
    public String toString() {
        return switch (value) {
            case long[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            case float[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            case double[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            case boolean[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            case String[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            case GgufValue[] a -> summary(Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 8))), a.length);
            default -> String.valueOf(value);
        };
    }

    private static String summary(String head, int length) {
        return length <= 8 ? head : head.substring(0, head.length() - 1) + ", ... (" + length + " items)]";
    }
}
