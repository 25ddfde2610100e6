package io.flotilla.sample;

/**
 * Settings of a {@link SamplerChain}, with llama.cpp's meanings.
 *
 * @param temperature      divides the logits; {@code <= 0} means greedy (argmax)
 * @param topK             keep the k most likely tokens; {@code <= 0} keeps all
 * @param topP             keep the smallest set whose probability reaches p; {@code >= 1} keeps all
 * @param minP             drop tokens less likely than {@code minP} times the most likely; {@code <= 0} keeps all
 * @param repeatPenalty    llama.cpp repetition penalty over the last {@code repeatLastN} tokens:
 *                         a positive logit is divided by it, a negative one multiplied; 1 is off
 * @param repeatLastN      how many recent tokens the penalties look at; 0 is off, -1 the whole history
 * @param frequencyPenalty OpenAI: {@code logit -= count * frequencyPenalty}
 * @param presencePenalty  OpenAI: {@code logit -= presencePenalty} once a token occurred
 * @param seed             seed of the random draw: the same seed gives the same sequence
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN,
                            float frequencyPenalty, float presencePenalty, long seed) {
    public SamplerConfig {
        if (Float.isNaN(temperature) || Float.isNaN(topP) || Float.isNaN(minP)) {
            throw new IllegalArgumentException("NaN in sampler config: temperature=" + temperature + ", topP=" + topP
                    + ", minP=" + minP);
        }
        if (!(repeatPenalty > 0)) {
            throw new IllegalArgumentException("repeatPenalty must be > 0 (1 is off), got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException("repeatLastN must be >= -1, got " + repeatLastN);
        }
    }

    /** Argmax, no penalties. */
    public static SamplerConfig greedy() {
        return new SamplerConfig(0f, 0, 1f, 0f, 1f, 0, 0f, 0f, 0L);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, penalties off. */
    public static SamplerConfig defaults(long seed) {
        return new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1f, 64, 0f, 0f, seed);
    }

    public SamplerConfig withTemperature(float t) {
        return new SamplerConfig(t, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty,
                seed);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, s);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }
}
