package io.flotilla.placement;

/** What a plan optimizes. */
public enum PlacementObjective {
    /** One stream as fast as possible: the shortest per-token time through one pipeline. */
    LATENCY,
    /** The most tokens per second in total: balanced stages, and replicas where the model fits again. */
    THROUGHPUT
}
