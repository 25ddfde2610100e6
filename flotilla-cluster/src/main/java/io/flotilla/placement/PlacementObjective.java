package io.flotilla.placement;

/** What a plan optimizes. */
public enum PlacementObjective {
    /** One stream as fast as possible: the shortest per-token time through one pipeline. */
    LATENCY,
    /** The most tokens per second in total: balanced stages, and replicas where the model fits again. */
    THROUGHPUT,
    /**
     * The naive split other systems make, kept as a baseline for benchmarks: every node in id order,
     * layers handed out in proportion to each node's memory, whatever its speed.
     */
    MEMORY
}
