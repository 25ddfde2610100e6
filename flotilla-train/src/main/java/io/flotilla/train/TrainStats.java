package io.flotilla.train;

/**
 * What a training run measured.
 *
 * @param valLoss               mean cross-entropy (nats per token) on the validation windows at the end
 * @param trainTokensPerSecond  training tokens per second of step time (evaluation excluded)
 * @param steps                 optimizer steps completed (including those before a resume)
 * @param tokens                training tokens consumed (including those before a resume)
 * @param secondsPerStep        mean wall time of one step in this run
 */
public record TrainStats(double valLoss, double trainTokensPerSecond, long steps, long tokens, double secondsPerStep) {}
