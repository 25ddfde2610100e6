package io.flotilla.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerChainTest {
    private static final float[] TABLE = logits(0.1f, 0.2f, 0.3f, 0.4f);

    static float[] logits(float... probs) {
        float[] out = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            out[i] = (float) Math.log(probs[i]);
        }
        return out;
    }

    private static SamplerConfig plain(float temperature, long seed) {
        return new SamplerConfig(temperature, 0, 1f, 0f, 1f, 0, 0f, 0f, seed);
    }

    private static List<Integer> draw(SamplerChain chain, float[] logits, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(chain.sample(logits, null));
        }
        return out;
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        List<Integer> a = draw(SamplerChain.of(plain(1f, 42), 4), TABLE, 200);
        List<Integer> b = draw(SamplerChain.of(plain(1f, 42), 4), TABLE, 200);
        List<Integer> c = draw(SamplerChain.of(plain(1f, 43), 4), TABLE, 200);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void seededSequenceIsStableAcrossRuns() {
        // SplitMix64 is specified bit for bit: these draws may never change
        assertThat(new SplitMix64(0).nextLong()).isEqualTo(0xE220A8397B1DCDAFL);
        assertThat(draw(SamplerChain.of(plain(1f, 1234), 4), TABLE, 12))
                .containsExactly(3, 2, 1, 2, 3, 3, 2, 1, 2, 3, 1, 1);
    }

    @Test
    void drawsFollowTheProbabilities() {
        SamplerChain chain = SamplerChain.of(plain(1f, 7), 4);
        int[] counts = new int[4];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts[chain.sample(TABLE, null)]++;
        }
        float[] expected = {0.1f, 0.2f, 0.3f, 0.4f};
        for (int t = 0; t < 4; t++) {
            assertThat(counts[t] / (double) n).as("token %d", t).isCloseTo(expected[t], within(0.01));
        }
    }

    @Test
    void truncationChangesTheDistribution() {
        // top-k 2 leaves tokens 3 and 2 with 4/7 and 3/7
        SamplerChain chain = SamplerChain.of(new SamplerConfig(1f, 2, 1f, 0f, 1f, 0, 0f, 0f, 9), 4);
        int[] counts = new int[4];
        for (int i = 0; i < 20_000; i++) {
            counts[chain.sample(TABLE, null)]++;
        }
        assertThat(counts[0] + counts[1]).isZero();
        assertThat(counts[3] / 20_000.0).isCloseTo(4 / 7.0, within(0.02));
    }

    @Test
    void temperatureZeroIsGreedy() {
        SamplerChain chain = SamplerChain.of(SamplerConfig.defaults(5).withTemperature(0f), 4);
        assertThat(draw(chain, TABLE, 50)).containsOnly(3);
        assertThat(SamplerChain.of(SamplerConfig.greedy(), 3).sample(new float[] {1f, 1f, 0f}, null)).isZero();
    }

    @Test
    void greedyAppliesPenaltiesFirst() {
        SamplerConfig config = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0f, 2f, 0);
        SamplerChain chain = SamplerChain.of(config, 4);
        assertThat(chain.sample(TABLE, TokenHistory.of(3))).isEqualTo(2);
        assertThat(chain.sample(TABLE, new TokenHistory())).isEqualTo(3);
    }

    @Test
    void defaultChainRunsOnALargeVocabulary() {
        int vocab = 32_000;
        float[] logits = new float[vocab];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) r.nextGaussian() * 3;
        }
        SamplerChain chain = SamplerChain.of(new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.1f, 64, 0.1f, 0.1f, 3), vocab);
        TokenHistory history = new TokenHistory();
        for (int i = 0; i < 50; i++) {
            int t = chain.sample(logits, history);
            assertThat(t).isBetween(0, vocab - 1);
            history.accept(t);
        }
    }

    @Test
    void allocatesNoVocabularySizedArraysPerToken() {
        int vocab = 32_000;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (i % 97) / 10f;
        }
        SamplerChain chain = SamplerChain.of(new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.1f, 64, 0.1f, 0.1f, 3), vocab);
        TokenHistory history = new TokenHistory();
        for (int i = 0; i < 300; i++) {
            history.accept(chain.sample(logits, history));
        }
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            chain.sample(logits, history);
        }
        long perToken = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
        assertThat(perToken).as("bytes allocated per token").isLessThan(vocab);
    }

    @Test
    void logprobsAreOfThePenalizedDistributionBeforeTemperature() {
        SamplerConfig config = new SamplerConfig(0.1f, 1, 1f, 0f, 1f, 64, 0f, 0f, 3);
        SampledToken s = SamplerChain.of(config, 4).sampleWithLogprobs(TABLE, null, 2);
        assertThat(s.token()).isEqualTo(3);
        assertThat(s.logprob()).isCloseTo((float) Math.log(0.4), within(1e-5f));
        assertThat(s.top()).extracting(TokenLogprob::token).containsExactly(3, 2);
        assertThat(s.top().get(1).logprob()).isCloseTo((float) Math.log(0.3), within(1e-5f));
    }

    @Test
    void logprobsSeeThePenalties() {
        // presence penalty ln(4) on token 3 makes its weight 0.1: table becomes .1 .2 .3 .1 over 0.7
        SamplerConfig config = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0f, (float) Math.log(4), 0);
        SampledToken s = SamplerChain.of(config, 4).sampleWithLogprobs(TABLE, TokenHistory.of(3), 4);
        assertThat(s.token()).isEqualTo(2);
        assertThat(s.logprob()).isCloseTo((float) Math.log(0.3 / 0.7), within(1e-5f));
        assertThat(s.top()).extracting(TokenLogprob::token).containsExactly(2, 1, 0, 3);
    }

    @Test
    void rejectsLogitsOfTheWrongSize() {
        assertThatThrownBy(() -> SamplerChain.of(SamplerConfig.greedy(), 5).sample(TABLE, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 5 logits")
                .hasMessageContaining("got 4");
    }
}
