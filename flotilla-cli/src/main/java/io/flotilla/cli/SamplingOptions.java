package io.flotilla.cli;

import io.flotilla.sample.SamplerConfig;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Option;

/** Sampling options, with llama.cpp's defaults. */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", description = "0 is greedy (default: ${DEFAULT-VALUE})")
    float temperature = 0.8f;

    @Option(names = "--top-k", paramLabel = "K", description = "0 keeps all (default: ${DEFAULT-VALUE})")
    int topK = 40;

    @Option(names = "--top-p", paramLabel = "P", description = "1 keeps all (default: ${DEFAULT-VALUE})")
    float topP = 0.95f;

    @Option(names = "--min-p", paramLabel = "P", description = "0 keeps all (default: ${DEFAULT-VALUE})")
    float minP = 0.05f;

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "1 is off (default: ${DEFAULT-VALUE})")
    float repeatPenalty = 1f;

    @Option(names = "--repeat-last-n", paramLabel = "N", description = "tokens the penalties look back (default: ${DEFAULT-VALUE})")
    int repeatLastN = 64;

    @Option(names = "--frequency-penalty", paramLabel = "X", description = "OpenAI frequency penalty (default: ${DEFAULT-VALUE})")
    float frequencyPenalty = 0f;

    @Option(names = "--presence-penalty", paramLabel = "X", description = "OpenAI presence penalty (default: ${DEFAULT-VALUE})")
    float presencePenalty = 0f;

    @Option(names = "--seed", paramLabel = "S", description = "random seed: the same seed gives the same text (default: random)")
    Long seed;

    SamplerConfig config() {
        if (temperature < 0) {
            throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        }
        if (topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        if (minP < 0 || minP > 1) {
            throw new IllegalArgumentException("--min-p must be in [0, 1], got " + minP);
        }
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, s);
    }
}
