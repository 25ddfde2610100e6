package io.flotilla.train.dist;

/**
 * What one DiLoCo/FedAvg outer step did, seen from one worker (L2 norms over all parameters).
 *
 * @param round          the round (0-based)
 * @param ownNorm        this worker's pseudo-gradient {@code global − local} before the mean (0 if it sat
 *                       the round out)
 * @param meanNorm       the mean pseudo-gradient Δ the outer step used
 * @param cosOwnMean     cosine between this worker's pseudo-gradient and Δ (how far workers agree;
 *                       NaN if it sat the round out)
 * @param cosPrevious    cosine between Δ and the previous round's Δ (NaN in the first round)
 * @param momentumNorm   the Nesterov velocity after the step
 * @param globalChange   how far the global parameters moved, {@code lr·|Δ + μ·v|}
 */
public record OuterStepStats(long round, double ownNorm, double meanNorm, double cosOwnMean, double cosPrevious,
                             double momentumNorm, double globalChange) {}
