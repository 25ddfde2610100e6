package io.flotilla.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each transform alone on hand-made probability tables, with the expectations of
 * llama.cpp's {@code tests/test-sampling.cpp}: the input is a probability per token id (its
 * log is the logit); the expectation is the probabilities left after the transform, most
 * likely first.
 */
class SamplerStagesTest {
    private static final float[] TABLE = {0.1f, 0.2f, 0.3f, 0.4f};
    private static final float[] UNIFORM5 = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};

    /** Applies {@code stages} to log(probs), then returns the renormalized probabilities, most likely first. */
    static float[] apply(float[] probs, TokenHistory history, SamplerStage... stages) {
        Candidates c = new Candidates(probs.length);
        float[] logits = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            logits[i] = (float) Math.log(probs[i]);
        }
        c.load(logits);
        for (SamplerStage s : stages) {
            s.apply(c, history);
        }
        c.sort();
        c.softmax();
        float[] out = new float[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.prob(i);
        }
        return out;
    }

    static void check(float[] actual, float... expected) {
        assertThat(actual).as("left: %s", Arrays.toString(actual)).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("probability %d of %s", i, Arrays.toString(actual)).isCloseTo(expected[i], within(1e-5f));
        }
    }

    @Test
    void topK() {
        check(apply(TABLE, null, new TopKFilter(1)), 1f);
        check(apply(TABLE, null, new TopKFilter(3)), 0.44444f, 0.33333f, 0.22222f);
        check(apply(TABLE, null, new TopKFilter(4)), 0.4f, 0.3f, 0.2f, 0.1f);
        check(apply(TABLE, null, new TopKFilter(0)), 0.4f, 0.3f, 0.2f, 0.1f);
    }

    @Test
    void topP() {
        check(apply(TABLE, null, new TopPFilter(0f)), 1f);
        check(apply(TABLE, null, new TopPFilter(0.7f)), 0.571429f, 0.428571f);
        check(apply(TABLE, null, new TopPFilter(0.8f)), 0.44444f, 0.33333f, 0.22222f);
        check(apply(TABLE, null, new TopPFilter(1f)), 0.4f, 0.3f, 0.2f, 0.1f);
    }

    @Test
    void minP() {
        check(apply(TABLE, null, new MinPFilter(0f)), 0.4f, 0.3f, 0.2f, 0.1f);
        check(apply(TABLE, null, new MinPFilter(0.24f)), 0.4f, 0.3f, 0.2f, 0.1f);
        check(apply(TABLE, null, new MinPFilter(0.26f)), 0.4f / 0.9f, 0.3f / 0.9f, 0.2f / 0.9f);
        check(apply(TABLE, null, new MinPFilter(0.49f)), 0.4f / 0.9f, 0.3f / 0.9f, 0.2f / 0.9f);
        check(apply(TABLE, null, new MinPFilter(0.51f)), 0.4f / 0.7f, 0.3f / 0.7f);
        check(apply(TABLE, null, new MinPFilter(0.74f)), 0.4f / 0.7f, 0.3f / 0.7f);
        check(apply(TABLE, null, new MinPFilter(0.76f)), 1f);
        check(apply(TABLE, null, new MinPFilter(1f)), 1f);
    }

    @Test
    void temperatureSharpensAndFlattens() {
        // p_i^(1/T) renormalized
        check(apply(TABLE, null, new TemperatureScaling(1f)), 0.4f, 0.3f, 0.2f, 0.1f);
        check(apply(TABLE, null, new TemperatureScaling(0.5f)), 16 / 30f, 9 / 30f, 4 / 30f, 1 / 30f);
        float[] flat = apply(TABLE, null, new TemperatureScaling(1000f));
        assertThat(flat[0] - flat[3]).isLessThan(1e-3f);
    }

    @Test
    void repetitionPenalty() {
        check(apply(UNIFORM5, TokenHistory.of(0), new RepetitionPenalty(50f, 64, 5)), 0.25f, 0.25f, 0.25f, 0.25f, 0f);
        check(apply(UNIFORM5, TokenHistory.of(0, 1, 2), new RepetitionPenalty(50f, 64, 5)), 0.5f, 0.5f, 0f, 0f, 0f);
        check(apply(UNIFORM5, TokenHistory.of(0, 1, 2, 0, 0), new RepetitionPenalty(50f, 64, 5)),
                0.5f, 0.5f, 0f, 0f, 0f);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Candidates c = new Candidates(3);
        c.load(new float[] {2f, -2f, 1f});
        new RepetitionPenalty(2f, 64, 3).apply(c, TokenHistory.of(0, 1));
        assertThat(new float[] {c.logit(0), c.logit(1), c.logit(2)}).containsExactly(1f, -4f, 1f);
    }

    @Test
    void frequencyAndPresencePenalties() {
        check(apply(UNIFORM5, TokenHistory.of(0), new FrequencyPresencePenalty(5f, 5f, 64, 5)),
                0.249997f, 0.249997f, 0.249997f, 0.249997f, 0.000011f);
        check(apply(UNIFORM5, TokenHistory.of(0, 1, 2), new FrequencyPresencePenalty(5f, 5f, 64, 5)),
                0.499966f, 0.499966f, 0.000023f, 0.000023f, 0.000023f);
        check(apply(UNIFORM5, TokenHistory.of(0, 1, 2, 0, 0), new FrequencyPresencePenalty(5f, 5f, 64, 5)),
                0.499977f, 0.499977f, 0.000023f, 0.000023f, 0f);
    }

    @Test
    void penaltiesWithoutHistoryOrOutsideTheWindowChangeNothing() {
        check(apply(UNIFORM5, new TokenHistory(), new RepetitionPenalty(50f, 64, 5),
                new FrequencyPresencePenalty(5f, 5f, 64, 5)), 0.2f, 0.2f, 0.2f, 0.2f, 0.2f);
        check(apply(UNIFORM5, null, new RepetitionPenalty(50f, 64, 5)), 0.2f, 0.2f, 0.2f, 0.2f, 0.2f);
        // only the last 2 tokens (3, 4) count
        check(apply(UNIFORM5, TokenHistory.of(0, 1, 2, 3, 4), new RepetitionPenalty(50f, 2, 5)),
                1 / 3f, 1 / 3f, 1 / 3f, 0f, 0f);
        check(apply(UNIFORM5, TokenHistory.of(0, 1), new RepetitionPenalty(50f, 0, 5)), 0.2f, 0.2f, 0.2f, 0.2f, 0.2f);
    }

    @Test
    void topKThenTopPThenMinPAsAChain() {
        // llama.cpp: top-k 3 -> {.444,.333,.222}; top-p 0.7 of that keeps 2 -> {.571,.429}
        check(apply(TABLE, null, new TopKFilter(3), new TopPFilter(0.7f)), 0.571429f, 0.428571f);
        check(apply(TABLE, null, new TopKFilter(3), new MinPFilter(0.7f)), 0.571429f, 0.428571f);
    }

    @Test
    void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
        Candidates c = new Candidates(5);
        c.load(new float[] {0.5f, 2f, -1f, 2f, 1f});
        assertThat(new GreedyPicker().pick(c)).isEqualTo(1);
        c.load(new float[] {3f, 3f, 3f, 3f, 3f});
        assertThat(new GreedyPicker().pick(c)).isZero();
    }

    @Test
    void sortFirstMatchesAFullSortOnALargeVocabularyWithTies() {
        int n = 50_000;
        float[] logits = new float[n];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            logits[i] = r.nextInt(2000) / 100f - 10f;
        }
        Candidates full = new Candidates(n);
        full.load(logits);
        full.sort();
        for (int k : List.of(1, 40, 1000)) {
            Candidates part = new Candidates(n);
            part.load(logits);
            part.sortFirst(k);
            assertThat(part.size()).isEqualTo(k);
            for (int i = 0; i < k; i++) {
                assertThat(part.id(i)).as("rank %d of top-%d", i, k).isEqualTo(full.id(i));
                assertThat(part.logit(i)).isEqualTo(logits[part.id(i)]);
            }
        }
        for (int i = 1; i < n; i++) {
            boolean ordered = full.logit(i - 1) > full.logit(i)
                    || (full.logit(i - 1) == full.logit(i) && full.id(i - 1) < full.id(i));
            assertThat(ordered).as("order at %d", i).isTrue();
        }
    }
}
