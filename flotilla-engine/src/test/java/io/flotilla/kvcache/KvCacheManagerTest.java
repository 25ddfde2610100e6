package io.flotilla.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KvCacheManagerTest {
    private final KvCacheManager kv = new KvCacheManager(new KvBlockPool(8), 4, true);

    /** A growing sequence whose computed count the test moves by hand. */
    static final class Seq implements KvSequence {
        final String id;
        int[] tokens;
        int computed;

        Seq(String id, int... tokens) {
            this.id = id;
            this.tokens = tokens;
        }

        @Override
        public String sequenceId() {
            return id;
        }

        @Override
        public int numTokens() {
            return tokens.length;
        }

        @Override
        public int tokenAt(int index) {
            return tokens[index];
        }

        @Override
        public int numComputedTokens() {
            return computed;
        }

        void append(int token) {
            tokens = Arrays.copyOf(tokens, tokens.length + 1);
            tokens[tokens.length - 1] = token;
        }
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    @AfterEach
    void invariants() {
        kv.pool().checkInvariants();
    }

    @Test
    void allocatesBlocksAsTheSequenceGrows() {
        Seq s = new Seq("s", range(0, 6));
        KvBlockTable table = kv.allocate(s, 6);
        assertThat(table.numBlocks()).isEqualTo(2);
        assertThat(table.slot(5)).isEqualTo(table.blockId(1) * 4 + 1);
        s.computed = 6;
        s.append(6);
        assertThat(kv.allocate(s, 1).numBlocks()).isEqualTo(2); // slot 6 is in block 1
        s.computed = 7;
        s.append(7);
        s.append(8);
        assertThat(kv.allocate(s, 2).numBlocks()).isEqualTo(3);
        kv.free(s);
        assertThat(kv.pool().numFree()).isEqualTo(8);
        assertThat(kv.table("s")).isNull();
        assertThatThrownBy(() -> kv.allocate(s, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void returnsNullWhenThePoolCannotHoldTheTokensAndChangesNothing() {
        Seq a = new Seq("a", range(0, 24));
        assertThat(kv.allocate(a, 24).numBlocks()).isEqualTo(6);
        Seq b = new Seq("b", range(100, 112));
        assertThat(kv.allocate(b, 12)).isNull();
        assertThat(kv.table("b")).isNull();
        assertThat(kv.pool().numFree()).isEqualTo(2);
        assertThat(kv.allocate(b, 8).numBlocks()).isEqualTo(2); // a smaller chunk fits
        kv.free(a);
        kv.free(b);
    }

    @Test
    void findsTheLongestCachedPrefixOfFullComputedBlocks() {
        Seq a = new Seq("a", range(0, 10));
        kv.allocate(a, 10);
        a.computed = 10;
        kv.cacheComputedBlocks(a);
        assertThat(kv.pool().numCached()).isEqualTo(2); // tokens 0..7; 8..9 is partial
        kv.free(a);

        Seq b = new Seq("b", range(0, 12));
        KvCachedPrefix prefix = kv.findCachedPrefix(b);
        assertThat(prefix.numTokens()).isEqualTo(8);
        KvBlockTable table = kv.allocate(b, 4, prefix);
        assertThat(table.numBlocks()).isEqualTo(3);
        assertThat(table.block(0).refCount()).isEqualTo(1);
        assertThat(kv.stats().prefixHits()).isEqualTo(8);
        assertThat(kv.stats().prefixQueries()).isEqualTo(10 + 12);

        Seq c = new Seq("c", 0, 1, 2, 3, 9, 9, 9, 9, 9);
        assertThat(kv.findCachedPrefix(c).numTokens()).isEqualTo(4); // diverges in block 1
        Seq d = new Seq("d", range(0, 8));
        assertThat(kv.findCachedPrefix(d).numTokens()).isEqualTo(4); // the last token is always computed
        kv.free(b);
    }

    @Test
    void aCachedPrefixCountsItsFreeBlocksAgainstThePool() {
        Seq a = new Seq("a", range(0, 8));
        kv.allocate(a, 8);
        a.computed = 8;
        kv.cacheComputedBlocks(a);
        kv.free(a);
        Seq filler = new Seq("f", range(50, 74));
        kv.allocate(filler, 24); // 6 of the 8 blocks; the free ones are a's two cached blocks
        Seq b = new Seq("b", range(0, 12));
        KvCachedPrefix prefix = kv.findCachedPrefix(b);
        assertThat(prefix.numTokens()).isEqualTo(8);
        // taking the 2 hit blocks off the free list leaves no block for token 8..11
        assertThat(kv.allocate(b, 4, prefix)).isNull();
        assertThat(kv.pool().numFree()).isEqualTo(2);
        assertThat(kv.pool().numCached()).isEqualTo(2);
        kv.free(filler);
        assertThat(kv.allocate(b, 4, kv.findCachedPrefix(b)).numBlocks()).isEqualTo(3);
        kv.free(b);
    }

    @Test
    void disabledPrefixCachingNeverHits() {
        KvCacheManager plain = new KvCacheManager(new KvBlockPool(4), 4, false);
        Seq a = new Seq("a", range(0, 9));
        plain.allocate(a, 9);
        a.computed = 9;
        plain.cacheComputedBlocks(a);
        plain.free(a);
        assertThat(plain.findCachedPrefix(new Seq("b", range(0, 9)))).isEqualTo(KvCachedPrefix.NONE);
        assertThat(plain.pool().numCached()).isZero();
    }
}
