package io.flotilla.pipeline;

import io.flotilla.placement.PlacementObjective;
import java.nio.file.Path;
import java.util.List;
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
 * @param placements   objectives timed on the heterogeneous nodes
 */
public record ClusterBenchConfig(Path model, Path logs, int promptTokens, int genTokens, int maxStages,
                                 double slowdown, double memoryShare, List<PlacementObjective> placements) {
    public ClusterBenchConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(logs, "logs");
        placements = List.copyOf(placements);
        if (promptTokens < 1 || genTokens < 1 || maxStages < 1 || slowdown < 1 || memoryShare <= 0) {
            throw new IllegalArgumentException("need prompt and generated tokens >= 1, stages >= 1, slowdown >= 1, "
                    + "memory share > 0; got " + promptTokens + ", " + genTokens + ", " + maxStages + ", "
                    + slowdown + ", " + memoryShare);
        }
    }

    /** Every objective on the heterogeneous nodes. */
    public ClusterBenchConfig(Path model, Path logs, int promptTokens, int genTokens, int maxStages, double slowdown,
                              double memoryShare) {
        this(model, logs, promptTokens, genTokens, maxStages, slowdown, memoryShare,
                List.of(PlacementObjective.values()));
    }

    /** Positions each sequence needs. */
    int contextLength() {
        return promptTokens + genTokens + 1;
    }
}
