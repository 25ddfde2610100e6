package io.flotilla.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvStorageTest {

    @Test
    void layoutIsBlockThenTokenThenHeadThenDim() {
        KvStorageSpec spec = new KvStorageSpec(2, 3, 4, 2, 8);
        assertThat(spec.tokenStride()).isEqualTo(16);
        assertThat(spec.blockStride()).isEqualTo(64);
        assertThat(spec.layerSize()).isEqualTo(192);
        assertThat(spec.bytes()).isEqualTo(2L * 4 * 2 * 192);
        KvStorage storage = new KvStorage(spec);
        // token 5 of a sequence whose blocks are [2, 0]: block 0, slot 1 → global slot 0 * 4 + 1
        KvBlockPool pool = new KvBlockPool(3);
        KvBlockTable table = new KvBlockTable(4);
        KvBlock b0 = pool.allocate();
        KvBlock b1 = pool.allocate();
        KvBlock b2 = pool.allocate();
        table.add(b2);
        table.add(b0);
        int slot = table.slot(5);
        assertThat(slot).isEqualTo(1);
        assertThat(table.slot(2)).isEqualTo(2 * 4 + 2);
        assertThat(storage.offset(slot, 1)).isEqualTo(1 * 16 + 8);

        float[] k = new float[16];
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            k[i] = i;
            v[i] = -i;
        }
        storage.write(1, slot, k, 0, v, 0);
        assertThat(storage.keys(1)[storage.offset(slot, 1) + 3]).isEqualTo(11f);
        assertThat(storage.values(1)[storage.offset(slot, 0)]).isEqualTo(0f);
        assertThat(storage.values(1)[storage.offset(slot, 0) + 5]).isEqualTo(-5f);
        assertThat(storage.keys(0)[storage.offset(slot, 1) + 3]).isZero(); // other layer untouched
        assertThatThrownBy(() -> table.slot(8)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8");
        pool.release(b0);
        pool.release(b1);
        pool.release(b2);
    }

    @Test
    void sizesThePoolFromAMemoryBudget() {
        // TinyStories-656K: 2 layers, 4 KV heads of 16; blocks of 16 tokens = 2 * 4 * 2 * 16 * 4 * 16 = 16 KiB
        assertThat(KvStorageSpec.blocksThatFit(1 << 20, 2, 16, 4, 16)).isEqualTo(64);
        assertThatThrownBy(() -> new KvStorageSpec(1, 1 << 20, 16, 8, 128)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks");
        assertThatThrownBy(() -> new KvStorageSpec(0, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers=0");
    }
}
