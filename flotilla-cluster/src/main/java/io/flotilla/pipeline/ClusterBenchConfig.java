package io.flotilla.pipeline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link ClusterBench} measures.
 *
 * @param logs         where node logs go
 * @param promptTokens random prompt tokens per sequence
 * @param genTokens    greedy tokens generated per sequence (EOS ignored)
 * @param maxStages    pipelines of 1..maxStages node processes (one thread each) are timed
 * @param slowdown     how much slower the throttled node of the heterogeneous runs is
 * @param memoryShare  memory each node of the heterogeneous runs offers, as a share of the model file,
 *                     so that the model needs both nodes
 */
public record ClusterBenchConfig(Path model, Path logs, int promptTokens, int genTokens, int maxStages,
                                 double slowdown, double memoryShare) {
    public ClusterBenchConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(logs, "logs");
        if (promptTokens < 1 || genTokens < 1 || maxStages < 1 || slowdown < 1 || memoryShare <= 0) {
            throw new IllegalArgumentException("need prompt and generated tokens >= 1, stages >= 1, slowdown >= 1, "
                    + "memory share > 0; got " + promptTokens + ", " + genTokens + ", " + maxStages + ", "
                    + slowdown + ", " + memoryShare);
        }
    }

    /** Positions each sequence needs. */
    int contextLength() {
        return promptTokens + genTokens + 1;
    }
}
