package io.flotilla.generate;

import io.flotilla.sample.SamplerConfig;
import java.util.List;

/**
 * What to generate: at most {@code maxTokens} tokens drawn by {@code sampler}; generation stops
 * at an end-of-generation token (unless {@code ignoreEos}) or at one of the {@code stop} strings.
 */
public record GenerationParams(int maxTokens, SamplerConfig sampler, boolean ignoreEos, List<String> stop) {
    public GenerationParams {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        }
        stop = List.copyOf(stop);
    }

    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(maxTokens, SamplerConfig.greedy(), false, List.of());
    }

    public GenerationParams withIgnoreEos(boolean ignore) {
        return new GenerationParams(maxTokens, sampler, ignore, stop);
    }
}
