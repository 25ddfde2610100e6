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
    void interleavedWorkersShareOutTheWholeTextWithoutOverlap() {
        int[] a = epochStarts(new ShardLoader(TOKENS, 0, 2, 8, 1, ShardLoader.Split.INTERLEAVED));
        int[] b = epochStarts(new ShardLoader(TOKENS, 1, 2, 8, 1, ShardLoader.Split.INTERLEAVED));
        Set<Integer> first = new HashSet<>();
        for (int t : a) {
            first.add(t);
        }
        for (int t : b) {
            assertThat(first).doesNotContain(t); // disjoint windows
        }
        // both halves of the text in each worker's epoch (IID), where a contiguous shard has one half
        assertThat(java.util.Arrays.stream(a).boxed().toList()).anyMatch(t -> t < 500).anyMatch(t -> t >= 500);
        assertThat(java.util.Arrays.stream(b).boxed().toList()).anyMatch(t -> t < 500).anyMatch(t -> t >= 500);
        assertThat(a.length + b.length).isEqualTo(124); // (1000 - offset - 1) / 8 windows, all dealt out
    }

    @Test
    void withOneWorkerBothSplitsReadTheSameStream() {
        ShardLoader c = new ShardLoader(TOKENS, 0, 1, 8, 5, ShardLoader.Split.CONTIGUOUS);
        ShardLoader i = new ShardLoader(TOKENS, 0, 1, 8, 5, ShardLoader.Split.INTERLEAVED);
        for (int n = 0; n < 40; n++) {
            assertThat(batch(i)).isEqualTo(batch(c));
        }
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

    /** The first token of every window of the loader's first epoch. */
    private static int[] epochStarts(ShardLoader loader) {
        java.util.List<Integer> starts = new java.util.ArrayList<>();
        int[] in = new int[8];
        while (true) {
            loader.next(in, new int[8], 1);
            if (loader.position().epoch() > 0) {
                break;
            }
            starts.add(in[0]);
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
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
