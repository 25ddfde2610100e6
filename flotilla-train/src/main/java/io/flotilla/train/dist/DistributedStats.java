package io.flotilla.train.dist;

import io.flotilla.collective.CollectiveStats;

/**
 * What one worker of a distributed run measured.
 *
 * @param rank                 the worker
 * @param valLoss              validation loss of the final (shared) parameters; NaN on workers that do not evaluate
 * @param trainTokensPerSecond this worker's training tokens per second of step time (communication included)
 * @param steps                optimizer steps (inner steps for DiLoCo)
 * @param syncs                all-reduces of gradients or pseudo-gradients
 * @param bytes                payload and wire bytes this worker sent (hash checks included)
 * @param parametersHash       SHA-256 (hex) of the final parameters, equal on every worker
 */
public record DistributedStats(int rank, double valLoss, double trainTokensPerSecond, long steps, long syncs,
                               CollectiveStats bytes, String parametersHash) {

    /** Payload bytes per optimizer step. */
    public double payloadBytesPerStep() {
        return steps == 0 ? 0 : (double) bytes.payloadBytes() / steps;
    }

    /**
     * How many times fewer payload bytes than data-parallel fp32 over the same steps
     * ({@code 2(K-1)/K · 4N} per step) this worker sent.
     */
    public double reductionVersusDdp(int workers, int parameters) {
        double ddp = 2.0 * (workers - 1) / workers * 4.0 * parameters * steps;
        return bytes.payloadBytes() == 0 ? Double.POSITIVE_INFINITY : ddp / bytes.payloadBytes();
    }
}
