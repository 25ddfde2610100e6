package io.flotilla.model;

/**
 * The key/value cache of one sequence for a range of layers, stored as IEEE half floats as
 * llama.cpp stores it by default ({@code type_k = type_v = F16}): a value read back is the
 * float rounded to half precision, which attention parity with llama.cpp depends on.
 */
public final class KvCache {
    private final int firstLayer;
    private final int capacity;
    private final KvLayer[] layers;

    KvCache(ModelConfig c, int firstLayer, int lastLayer, int capacity) {
        this.firstLayer = firstLayer;
        this.capacity = capacity;
        this.layers = new KvLayer[lastLayer - firstLayer];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new KvLayer(new short[capacity * c.kvDimK()], new short[capacity * c.kvDimV()],
                    c.kvDimK(), c.kvDimV());
        }
    }

    /** Cache of model layer {@code layer} (an index in the whole model). */
    public KvLayer layer(int layer) {
        return layers[layer - firstLayer];
    }

    /** Positions the cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Bytes held by keys and values. */
    public long byteSize() {
        long b = 0;
        for (KvLayer l : layers) {
            b += 2L * (l.keys().length + l.values().length);
        }
        return b;
    }
}
