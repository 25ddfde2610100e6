package io.flotilla.kvcache;

/**
 * The shape of the physical K/V storage: per layer, one K and one V float array laid out as
 * {@code [block][token in block][kvHead][headDim]}.
 */
public record KvStorageSpec(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim) {

    public KvStorageSpec {
        if (numLayers <= 0 || numBlocks <= 0 || blockSize <= 0 || numKvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("all dimensions must be > 0, got layers=" + numLayers
                    + " blocks=" + numBlocks + " blockSize=" + blockSize + " kvHeads=" + numKvHeads
                    + " headDim=" + headDim);
        }
        long perLayer = (long) numBlocks * blockSize * numKvHeads * headDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("one layer's K array would hold " + perLayer
                    + " floats, more than a Java array can; use fewer blocks than " + numBlocks);
        }
    }

    /** The most blocks whose K and V (all layers, float32) fit in {@code bytes}. */
    public static int blocksThatFit(long bytes, int numLayers, int blockSize, int numKvHeads, int headDim) {
        long perBlock = 2L * Float.BYTES * numLayers * blockSize * numKvHeads * headDim;
        return (int) Math.min(bytes / perBlock, Integer.MAX_VALUE);
    }

    /** Floats per token in one layer's K (or V) array: {@code numKvHeads * headDim}. */
    public int tokenStride() {
        return numKvHeads * headDim;
    }

    /** Floats per block in one layer's K (or V) array. */
    public int blockStride() {
        return blockSize * tokenStride();
    }

    /** Floats in one layer's K (or V) array. */
    public int layerSize() {
        return numBlocks * blockStride();
    }

    /** Total bytes of K and V over all layers. */
    public long bytes() {
        return 2L * Float.BYTES * numLayers * layerSize();
    }
}
