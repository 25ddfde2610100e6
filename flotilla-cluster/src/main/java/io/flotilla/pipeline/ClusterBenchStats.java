package io.flotilla.pipeline;

import java.util.List;

/**
 * What {@link ClusterBench} measured.
 *
 * @param hopMicros median one-way time of a 2048-float activation frame over loopback (half a round trip
 *                  through an authenticated {@code TcpTransport} connection: encode, send, receive, decode)
 * @param runs      every timed generation, the baseline first
 */
public record ClusterBenchStats(double hopMicros, List<Run> runs) {
    public ClusterBenchStats {
        runs = List.copyOf(runs);
    }

    /**
     * One timed generation.
     *
     * @param setup           "local" (one process, the engine's own executor) or "pipeline"
     * @param processes       node processes (1 for local)
     * @param threads         compute threads per process
     * @param slowdown        of the slowest node (1: none)
     * @param placement       the objective that placed the layers ("-" for local)
     * @param stages          node id and layer range of each stage, in order
     * @param sequences       sequences in flight together
     * @param tokensPerSecond generated tokens of all sequences over the wall time, prefill included
     */
    public record Run(String setup, int processes, int threads, double slowdown, String placement,
                      List<String> stages, int sequences, double tokensPerSecond) {
        public Run {
            stages = List.copyOf(stages);
        }
    }

    /** The run with these fields, or null. */
    public Run find(String setup, int processes, int threads, double slowdown, String placement, int sequences) {
        return runs.stream().filter(r -> r.setup().equals(setup) && r.processes() == processes
                && r.threads() == threads && r.slowdown() == slowdown && r.placement().equals(placement)
                && r.sequences() == sequences).findFirst().orElse(null);
    }
}
