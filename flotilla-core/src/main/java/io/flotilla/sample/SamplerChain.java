package io.flotilla.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * llama.cpp's sampler chain: penalties, then top-k, top-p, min-p and temperature, then a
 * greedy or seeded random pick. Works in place on one {@link Candidates} buffer allocated
 * up front: no vocabulary-sized allocation per token. Not thread-safe: one chain per sequence.
 */
public final class SamplerChain implements Sampler {
    private final List<SamplerStage> stages;
    private final int penaltyStages;
    private final TokenPicker picker;
    private final Candidates candidates;
    private final float[] penalized;

    private SamplerChain(List<SamplerStage> stages, TokenPicker picker, int vocabSize) {
        this.stages = List.copyOf(stages);
        this.picker = picker;
        this.candidates = new Candidates(vocabSize);
        this.penalized = new float[vocabSize];
        int n = 0;
        while (n < stages.size() && isPenalty(stages.get(n))) {
            n++;
        }
        this.penaltyStages = n;
    }

    /** The chain {@code config} describes; a temperature {@code <= 0} gives penalties then argmax. */
    public static SamplerChain of(SamplerConfig config, int vocabSize) {
        List<SamplerStage> stages = new ArrayList<>();
        if (config.repeatPenalty() != 1f && config.repeatLastN() != 0) {
            stages.add(new RepetitionPenalty(config.repeatPenalty(), config.repeatLastN(), vocabSize));
        }
        if ((config.frequencyPenalty() != 0f || config.presencePenalty() != 0f) && config.repeatLastN() != 0) {
            stages.add(new FrequencyPresencePenalty(config.frequencyPenalty(), config.presencePenalty(),
                    config.repeatLastN(), vocabSize));
        }
        if (config.isGreedy()) {
            return new SamplerChain(stages, new GreedyPicker(), vocabSize);
        }
        stages.add(new TopKFilter(config.topK()));
        stages.add(new TopPFilter(config.topP()));
        stages.add(new MinPFilter(config.minP()));
        stages.add(new TemperatureScaling(config.temperature()));
        return new SamplerChain(stages, new RandomPicker(config.seed()), vocabSize);
    }

    /** A chain of the given stages (penalties first, if any) and picker. */
    public static SamplerChain of(int vocabSize, List<SamplerStage> stages, TokenPicker picker) {
        return new SamplerChain(stages, picker, vocabSize);
    }

    @Override
    public int sample(float[] logits, TokenHistory history) {
        candidates.load(logits);
        for (SamplerStage stage : stages) {
            stage.apply(candidates, history);
        }
        return picker.pick(candidates);
    }

    /**
     * Samples like {@link #sample} and reports the chosen token's log-probability and the
     * {@code topN} most likely tokens, after penalties and before temperature and truncation.
     */
    public SampledToken sampleWithLogprobs(float[] logits, TokenHistory history, int topN) {
        if (topN < 0) {
            throw new IllegalArgumentException("topN must be >= 0, got " + topN);
        }
        candidates.load(logits);
        for (int i = 0; i < penaltyStages; i++) {
            stages.get(i).apply(candidates, history);
        }
        // penalties keep the candidates in id order: candidate i is token i
        for (int i = 0; i < penalized.length; i++) {
            penalized[i] = candidates.logit(i);
        }
        double logZ = logSumExp(penalized);
        List<TokenLogprob> top = top(penalized, Math.min(topN, penalized.length), logZ);
        for (int i = penaltyStages; i < stages.size(); i++) {
            stages.get(i).apply(candidates, history);
        }
        int token = picker.pick(candidates);
        return new SampledToken(token, (float) (penalized[token] - logZ), top);
    }

    private static boolean isPenalty(SamplerStage stage) {
        return stage instanceof RepetitionPenalty || stage instanceof FrequencyPresencePenalty;
    }

    private static double logSumExp(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** The n largest logits (ties: lower id first) as log-probabilities. */
    private static List<TokenLogprob> top(float[] logits, int n, double logZ) {
        int[] ids = new int[n];
        float[] values = new float[n];
        int filled = 0;
        for (int id = 0; id < logits.length && n > 0; id++) {
            float v = logits[id];
            if (filled == n && v <= values[n - 1]) {
                continue;
            }
            int at = filled == n ? n - 1 : filled++;
            while (at > 0 && values[at - 1] < v) {
                ids[at] = ids[at - 1];
                values[at] = values[at - 1];
                at--;
            }
            ids[at] = id;
            values[at] = v;
        }
        List<TokenLogprob> out = new ArrayList<>(n);
        for (int i = 0; i < filled; i++) {
            out.add(new TokenLogprob(ids[i], (float) (values[i] - logZ)));
        }
        return out;
    }
}
