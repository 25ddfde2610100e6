package io.flotilla.sample;

/**
 * One transform of a {@link SamplerChain}, applied in place to the candidates: a penalty,
 * a truncation or a rescaling. Stages keep their own scratch buffers and are not thread-safe.
 */
public sealed interface SamplerStage
        permits RepetitionPenalty, FrequencyPresencePenalty, TopKFilter, TopPFilter, MinPFilter, TemperatureScaling {
    void apply(Candidates candidates, TokenHistory history);
}
