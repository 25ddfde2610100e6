package io.flotilla.bench;

import java.nio.file.Path;

/**
 * One engine benchmark: {@code repeat} timed runs (after one untimed warm-up run) of a
 * {@code promptTokens}-token prefill followed by {@code genTokens} greedy decode steps, on
 * {@code threads} threads.
 */
public record EngineBenchConfig(Path model, int threads, int promptTokens, int genTokens, int repeat) {
    public EngineBenchConfig {
        if (threads < 1 || promptTokens < 1 || genTokens < 1 || repeat < 1) {
            throw new IllegalArgumentException("threads, prompt tokens, gen tokens and repeat must be >= 1, got "
                    + threads + ", " + promptTokens + ", " + genTokens + ", " + repeat);
        }
    }
}
