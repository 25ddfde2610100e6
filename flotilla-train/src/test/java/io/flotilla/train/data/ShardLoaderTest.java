package io.flotilla.train.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShardLoaderTest {

    private static final int[] TOKENS = IntStream.range(0, 1000).toArray();

    @Test
    void targetsAreInputsShiftedByOne() {
        ShardLoader loader = new ShardLoader(TOKENS, 0, 1, 8, 1);
        int[] in = new int[3 * 8];
        int[] out = new int[3 * 8];
        loader.next(in, out, 3);
        for (int i = 0; i < in.length; i++) {
            assertThat(out[i]).isEqualTo(in[i] + 1);
        }
    }

    @Test
    void workersReadDisjointShards() {
        Set<Integer> seen0 = drain(new ShardLoader(TOKENS, 0, 2, 8, 1));
        Set<Integer> seen1 = drain(new ShardLoader(TOKENS, 1, 2, 8, 1));
        assertThat(seen0).allMatch(t -> t < 500);
        assertThat(seen1).allMatch(t -> t >= 500);
    }

    @Test
    void sameSeedSameOrderOtherSeedOtherOrder() {
        assertThat(batch(new ShardLoader(TOKENS, 0, 1, 8, 7))).isEqualTo(batch(new ShardLoader(TOKENS, 0, 1, 8, 7)));
        assertThat(batch(new ShardLoader(TOKENS, 0, 1, 8, 7))).isNotEqualTo(batch(new ShardLoader(TOKENS, 0, 1, 8, 8)));
    }

    @Test
    void seekingToASavedPositionResumesTheSameStreamAcrossEpochs() {
        ShardLoader a = new ShardLoader(TOKENS, 0, 1, 8, 3);
        for (int i = 0; i < 30; i++) {
            batch(a); // 30 × 4 windows: past the first epoch of 124
        }
        ShardLoader.Position saved = a.position();
        assertThat(saved.epoch()).isEqualTo(0);
        int[] expected = batch(a);
        int[] expected2 = batch(a);
        ShardLoader b = new ShardLoader(TOKENS, 0, 1, 8, 3);
        b.seek(saved);
        assertThat(batch(b)).isEqualTo(expected);
        assertThat(batch(b)).isEqualTo(expected2);
        assertThat(b.position().epoch()).isEqualTo(1);
    }

    private static int[] batch(ShardLoader loader) {
        int[] in = new int[4 * 8];
        loader.next(in, new int[in.length], 4);
        return in;
    }

    private static Set<Integer> drain(ShardLoader loader) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            for (int t : batch(loader)) {
                seen.add(t);
            }
        }
        return seen;
    }
}
