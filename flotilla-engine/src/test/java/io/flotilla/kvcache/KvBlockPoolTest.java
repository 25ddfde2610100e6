package io.flotilla.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvBlockPoolTest {

    /** A sequence over fixed tokens, all computed, for hashing. */
    static KvSequence tokens(String id, int... tokens) {
        KvCacheManagerTest.Seq seq = new KvCacheManagerTest.Seq(id, tokens);
        seq.computed = tokens.length;
        return seq;
    }

    @Test
    void allocatesInOrderAndReusesFreedBlocksLast() {
        KvBlockPool pool = new KvBlockPool(4);
        List<KvBlock> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(pool.allocate());
        }
        assertThat(taken).extracting(KvBlock::id).containsExactly(0, 1, 2, 3);
        assertThat(pool.numFree()).isZero();
        assertThatThrownBy(pool::allocate).isInstanceOf(IllegalStateException.class).hasMessageContaining("4 blocks");
        pool.release(taken.get(2));
        pool.release(taken.get(0));
        assertThat(pool.allocate().id()).isEqualTo(2); // least recently freed first
        pool.release(taken.get(1));
        pool.release(taken.get(3));
        pool.checkInvariants();
        assertThat(pool.numUsed()).isEqualTo(1);
    }

    @Test
    void referenceCountsKeepSharedBlocksOffTheFreeList() {
        KvBlockPool pool = new KvBlockPool(2);
        KvBlock b = pool.allocate();
        pool.retain(b);
        pool.release(b);
        assertThat(pool.numFree()).isEqualTo(1);
        pool.release(b);
        assertThat(pool.numFree()).isEqualTo(2);
        assertThatThrownBy(() -> pool.release(b)).isInstanceOf(IllegalStateException.class);
        pool.checkInvariants();
    }

    @Test
    void cachedFreeBlocksCanBeTakenBackUntilEvicted() {
        KvBlockPool pool = new KvBlockPool(2);
        KvSequence seq = tokens("s", 1, 2, 3, 4);
        long hash = KvBlockHash.of(0, seq, 0, 4);
        KvBlock b = pool.allocate();
        assertThat(pool.register(b, hash, 0, new int[] {1, 2, 3, 4})).isTrue();
        pool.release(b);
        assertThat(pool.lookup(hash, 0, seq, 0)).isSameAs(b);
        assertThat(pool.lookup(hash, 0, tokens("t", 1, 2, 3, 5), 0)).isNull(); // tokens verified
        assertThat(pool.lookup(hash, 7, seq, 0)).isNull(); // parent verified
        pool.retain(b); // a hit takes it off the free list
        assertThat(pool.numFree()).isEqualTo(1);
        pool.release(b);
        pool.allocate(); // block 1, the older free one
        KvBlock evicting = pool.allocate();
        assertThat(evicting).isSameAs(b);
        assertThat(b.isCached()).isFalse();
        assertThat(pool.lookup(hash, 0, seq, 0)).isNull();
        assertThat(pool.evictions()).isEqualTo(1);
        pool.checkInvariants();
    }

    @Test
    void aSecondBlockWithTheSameContentIsNotRegistered() {
        KvBlockPool pool = new KvBlockPool(2);
        KvBlock a = pool.allocate();
        KvBlock b = pool.allocate();
        assertThat(pool.register(a, 42, 0, new int[] {1})).isTrue();
        assertThat(pool.register(b, 42, 0, new int[] {1})).isFalse();
        assertThat(pool.numCached()).isEqualTo(1);
        pool.clearCache();
        assertThat(pool.numCached()).isZero();
        pool.checkInvariants();
    }

    @Test
    void hashesChainThroughTheParent() {
        KvSequence seq = tokens("s", 1, 2, 3, 4, 1, 2, 3, 4);
        long first = KvBlockHash.of(0, seq, 0, 4);
        assertThat(KvBlockHash.of(0, seq, 4, 8)).isEqualTo(first);
        assertThat(KvBlockHash.of(first, seq, 4, 8)).isNotEqualTo(first);
        assertThat(KvBlockHash.of(KvBlockHash.seed("tenant"), seq, 0, 4)).isNotEqualTo(first);
        assertThat(KvBlockHash.seed("")).isZero();
    }

    @Test
    void rejectsAnEmptyPool() {
        assertThatThrownBy(() -> new KvBlockPool(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
