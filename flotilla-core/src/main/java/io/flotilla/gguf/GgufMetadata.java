package io.flotilla.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters. A getter without a
 * default throws {@link NoSuchElementException} naming the key when it is absent, and
 * {@link IllegalArgumentException} naming the key and the actual type when the type does not fit.
 */
public final class GgufMetadata {
    private final Map<String, GgufValue> values;

    public GgufMetadata(Map<String, GgufValue> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    /** The raw value, or null when absent. */
    public GgufValue get(String key) {
        return values.get(key);
    }

    public String getString(String key) {
        return cast(require(key), String.class, key);
    }

    public String getString(String key, String def) {
        GgufValue v = values.get(key);
        return v == null ? def : cast(v, String.class, key);
    }

    public long getLong(String key) {
        return number(require(key), key).longValue();
    }

    public long getLong(String key, long def) {
        GgufValue v = values.get(key);
        return v == null ? def : number(v, key).longValue();
    }

    public int getInt(String key) {
        return Math.toIntExact(getLong(key));
    }

    public int getInt(String key, int def) {
        return Math.toIntExact(getLong(key, def));
    }

    public float getFloat(String key) {
        return number(require(key), key).floatValue();
    }

    public float getFloat(String key, float def) {
        GgufValue v = values.get(key);
        return v == null ? def : number(v, key).floatValue();
    }

    public boolean getBoolean(String key, boolean def) {
        GgufValue v = values.get(key);
        return v == null ? def : cast(v, Boolean.class, key);
    }

    public String[] getStringArray(String key) {
        return cast(require(key), String[].class, key);
    }

    public float[] getFloatArray(String key) {
        Object a = require(key).value();
        if (a instanceof float[] f) {
            return f;
        }
        if (a instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw wrongType(key, "a float array", values.get(key));
    }

    /** Any integer array, narrowed to int (token types, ids). */
    public int[] getIntArray(String key) {
        long[] l = cast(require(key), long[].class, key);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = (int) l[i];
        }
        return out;
    }

    private GgufValue require(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException("metadata key '" + key + "' is missing");
        }
        return v;
    }

    private static Number number(GgufValue v, String key) {
        if (v.value() instanceof Number n) {
            return n;
        }
        throw wrongType(key, "a number", v);
    }

    private static <T> T cast(GgufValue v, Class<T> type, String key) {
        if (type.isInstance(v.value())) {
            return type.cast(v.value());
        }
        throw wrongType(key, type.getSimpleName(), v);
    }

    private static IllegalArgumentException wrongType(String key, String expected, GgufValue v) {
        String actual = v.type() == GgufValueType.ARRAY ? "array of " + v.elementType() : String.valueOf(v.type());
        return new IllegalArgumentException("metadata key '" + key + "' is " + actual + ", expected " + expected);
    }
}
