package io.flotilla.engine;

import java.util.Arrays;

/**
 * How one request is sampled and when it stops. Neutral values disable a transform:
 * temperature 0 = greedy, topP 1, topK 0, minP 0, penalties 0 (repetition 1), logprobs 0.
 *
 * @param seed             RNG seed for reproducible sampling; null = the engine picks one
 * @param maxTokens        most tokens to generate; {@link Integer#MAX_VALUE} = until the context is full
 * @param logprobs         number of top alternatives to report per token (0 = none; the sampled token's
 *                         logprob is reported whenever logprobs > 0)
 * @param stopTokenIds     token ids that end the request (finish reason stop), besides end-of-generation ids
 * @param ignoreEos        keep generating past the model's end-of-generation ids
 */
public record SamplingParams(
        float temperature, float topP, int topK, float minP, Long seed, int maxTokens,
        float presencePenalty, float frequencyPenalty, float repetitionPenalty,
        int logprobs, int[] stopTokenIds, boolean ignoreEos) {

    public static final int MAX_LOGPROBS = 20;

    public SamplingParams {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0", temperature);
        check(topP > 0 && topP <= 1, "topP must be in (0, 1]", topP);
        check(topK >= 0, "topK must be >= 0 (0 = off)", topK);
        check(minP >= 0 && minP <= 1, "minP must be in [0, 1]", minP);
        check(maxTokens > 0, "maxTokens must be > 0", maxTokens);
        check(presencePenalty >= -2 && presencePenalty <= 2, "presencePenalty must be in [-2, 2]", presencePenalty);
        check(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequencyPenalty must be in [-2, 2]", frequencyPenalty);
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetitionPenalty must be > 0", repetitionPenalty);
        check(logprobs >= 0 && logprobs <= MAX_LOGPROBS, "logprobs must be in [0, " + MAX_LOGPROBS + "]", logprobs);
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
    }

    /** Greedy, unlimited length, no penalties, no logprobs. */
    public static SamplingParams defaults() {
        return new SamplingParams(0f, 1f, 0, 0f, null, Integer.MAX_VALUE, 0f, 0f, 1f, 0, null, false);
    }

    /** Greedy decoding of at most {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return defaults().withMaxTokens(maxTokens);
    }

    public SamplingParams withMaxTokens(int value) {
        return new SamplingParams(temperature, topP, topK, minP, seed, value, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, stopTokenIds, ignoreEos);
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(value, topP, topK, minP, seed, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, stopTokenIds, ignoreEos);
    }

    public SamplingParams withTopPTopKMinP(float p, int k, float min) {
        return new SamplingParams(temperature, p, k, min, seed, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, stopTokenIds, ignoreEos);
    }

    public SamplingParams withSeed(Long value) {
        return new SamplingParams(temperature, topP, topK, minP, value, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, stopTokenIds, ignoreEos);
    }

    public SamplingParams withPenalties(float presence, float frequency, float repetition) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, presence,
                frequency, repetition, logprobs, stopTokenIds, ignoreEos);
    }

    public SamplingParams withLogprobs(int value) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, value, stopTokenIds, ignoreEos);
    }

    public SamplingParams withStopTokenIds(int... value) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, value, ignoreEos);
    }

    public SamplingParams withIgnoreEos(boolean value) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, presencePenalty,
                frequencyPenalty, repetitionPenalty, logprobs, stopTokenIds, value);
    }

    /** A copy of the stop token ids. */
    @Override
    public int[] stopTokenIds() {
        return stopTokenIds.clone();
    }

    public boolean isStopToken(int tokenId) {
        for (int id : stopTokenIds) {
            if (id == tokenId) {
                return true;
            }
        }
        return false;
    }

    /** True when sampling reads the tokens generated so far (presence, frequency or repetition penalty). */
    public boolean usesPenalties() {
        return presencePenalty != 0 || frequencyPenalty != 0 || repetitionPenalty != 1;
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplingParams p && temperature == p.temperature && topP == p.topP
                && topK == p.topK && minP == p.minP && java.util.Objects.equals(seed, p.seed)
                && maxTokens == p.maxTokens && presencePenalty == p.presencePenalty
                && frequencyPenalty == p.frequencyPenalty && repetitionPenalty == p.repetitionPenalty
                && logprobs == p.logprobs && Arrays.equals(stopTokenIds, p.stopTokenIds) && ignoreEos == p.ignoreEos;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(temperature, topP, topK, minP, seed, maxTokens, logprobs,
                Arrays.hashCode(stopTokenIds), ignoreEos);
    }

    @Override
    public String toString() {
        return "SamplingParams[temperature=" + temperature + ", topP=" + topP + ", topK=" + topK
                + ", minP=" + minP + ", seed=" + seed + ", maxTokens=" + maxTokens + ", penalties="
                + presencePenalty + "/" + frequencyPenalty + "/" + repetitionPenalty + ", logprobs=" + logprobs
                + ", stopTokenIds=" + Arrays.toString(stopTokenIds) + ", ignoreEos=" + ignoreEos + "]";
    }

    private static void check(boolean ok, String rule, Object actual) {
        if (!ok) {
            throw new IllegalArgumentException(rule + ", got " + actual);
        }
    }
}
