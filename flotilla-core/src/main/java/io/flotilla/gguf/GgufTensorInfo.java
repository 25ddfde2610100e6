package io.flotilla.gguf;

import java.util.Arrays;

/**
 * A tensor's entry in a GGUF file. {@code ne[0]} is the innermost (contiguous) dimension: a
 * weight matrix of {@code rows} outputs and {@code cols} inputs has {@code ne = {cols, rows}}.
 * {@code offset} is relative to the start of the tensor data section.
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset) {

    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public int dims() {
        return ne.length;
    }

    public long ne(int dim) {
        return dim < ne.length ? ne[dim] : 1;
    }

    public long elements() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elements());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(ne, t.ne)
                && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }
}
