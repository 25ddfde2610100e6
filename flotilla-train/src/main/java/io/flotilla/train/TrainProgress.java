package io.flotilla.train;

import java.time.Duration;

/**
 * One finished optimizer step, as handed to a {@link TrainListener}.
 *
 * @param step            steps done so far (1-based)
 * @param totalSteps      steps in the run
 * @param loss            training loss of this step's batch
 * @param lr              learning rate used
 * @param gradNorm        global gradient norm before clipping
 * @param tokensPerSecond training throughput averaged over this run so far
 * @param eta             estimated time to the last step
 */
public record TrainProgress(long step, long totalSteps, double loss, float lr, double gradNorm,
                            double tokensPerSecond, Duration eta) {}
