package io.flotilla.bench;

import java.nio.file.Path;

/**
 * One engine benchmark: {@code repeat} timed runs (after one untimed warm-up run) of a
 * {@code promptTokens}-token prefill followed by {@code genTokens} greedy decode steps, on
 * {@code threads} threads; with a {@code baseline}, each repeat also times the baseline, the two
 * taking turns to go first.
 */
public record EngineBenchConfig(Path model, int threads, int promptTokens, int genTokens, int repeat,
                                EngineBaseline baseline) {
    public EngineBenchConfig {
        if (threads < 1 || promptTokens < 1 || genTokens < 1 || repeat < 1) {
            throw new IllegalArgumentException("threads, prompt tokens, gen tokens and repeat must be >= 1, got "
                    + threads + ", " + promptTokens + ", " + genTokens + ", " + repeat);
        }
        if (model == null || baseline == null) {
            throw new IllegalArgumentException("model and baseline are required, got " + model + ", " + baseline);
        }
    }

    /** Flotilla alone. */
    public EngineBenchConfig(Path model, int threads, int promptTokens, int genTokens, int repeat) {
        this(model, threads, promptTokens, genTokens, repeat, new EngineBaseline.None());
    }
}
