package io.flotilla.kvcache;

/**
 * The keys and values of every block, as plain float arrays: for each layer one K and one V
 * array of {@link KvStorageSpec#layerSize()} floats laid out {@code [block][token in block][kvHead][headDim]}.
 *
 * <p>A sequence's token at position {@code p} lives at slot
 * {@code s = table.slot(p) = blockId(p / blockSize) * blockSize + p % blockSize}, and its head
 * {@code h} starts at float {@code s * tokenStride + h * headDim} of the layer's arrays
 * ({@link #offset}). A model's attention writes the K/V of the tokens it computes at their slots,
 * then reads positions {@code 0..p} of the sequence through the same mapping. Blocks are the unit
 * of sharing: a cached full block is read by many sequences and never written again.
 */
public final class KvStorage {
    private final KvStorageSpec spec;
    private final float[][] keys;
    private final float[][] values;

    public KvStorage(KvStorageSpec spec) {
        this.spec = spec;
        keys = new float[spec.numLayers()][spec.layerSize()];
        values = new float[spec.numLayers()][spec.layerSize()];
    }

    public KvStorageSpec spec() {
        return spec;
    }

    /** Layer {@code layer}'s K array (shared, not a copy). */
    public float[] keys(int layer) {
        return keys[layer];
    }

    /** Layer {@code layer}'s V array (shared, not a copy). */
    public float[] values(int layer) {
        return values[layer];
    }

    /** Offset of head {@code kvHead} of slot {@code slot} in a layer's K or V array. */
    public int offset(int slot, int kvHead) {
        return slot * spec.tokenStride() + kvHead * spec.headDim();
    }

    /** Copies one token's K and V ({@code tokenStride} floats each, all KV heads) into its slot. */
    public void write(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset) {
        int to = offset(slot, 0);
        int n = spec.tokenStride();
        System.arraycopy(k, kOffset, keys[layer], to, n);
        System.arraycopy(v, vOffset, values[layer], to, n);
    }
}
