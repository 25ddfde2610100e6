package io.flotilla.exec;

import io.flotilla.sched.SchedulerOutput;

/**
 * Runs one scheduled step: computes the K/V of every scheduled token into the blocks named by
 * each sequence's block table, and samples a next token for every sequence whose
 * {@code sample()} flag is set. Locally (a model forward pass plus a sampler),
 * through a pipeline of stage nodes, or scripted in tests.
 *
 * <p>Called from the engine thread only, one step at a time. Per-request state an executor
 * keeps (sampler RNG, penalty counts) can be dropped for {@code finishedRequestIds()}.
 */
public interface Executor extends AutoCloseable {

    ModelRunnerOutput execute(SchedulerOutput step);

    @Override
    default void close() {
    }
}
