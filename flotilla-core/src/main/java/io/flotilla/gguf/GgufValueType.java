package io.flotilla.gguf;

/** Types of GGUF metadata values, numbered as in the GGUF specification. */
public enum GgufValueType {
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

    private static final GgufValueType[] VALUES = values();

    public int id() {
        return ordinal();
    }

    /** The type with this id, or null if the id is unknown. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < VALUES.length ? VALUES[(int) id] : null;
    }
}
