package io.flotilla.exec;

import io.flotilla.sched.SchedulerOutput;

/**
 * Runs one scheduled step: computes the K/V of every scheduled token into the blocks named by
 * each sequence's block table, and samples a next token for every sequence whose
 * {@code sample()} flag is set. Locally (a model forward pass plus a sampler),
 * through a pipeline of stage nodes, or scripted in tests.
 *
 * <p>Called from the engine thread only. Per-request state an executor keeps (sampler RNG,
 * penalty counts) can be dropped for {@code finishedRequestIds()}.
 *
 * <p>Steps in flight: an executor whose hardware can work on several steps at once (a pipeline of
 * stages: while stage 2 runs one step, stage 1 runs the next) answers {@link #maxStepsInFlight()}
 * above 1. The engine then {@link #submit}s up to that many non-empty steps over disjoint sets of
 * sequences and takes their outputs back in submission order with {@link #awaitOldest()}; it still
 * calls {@link #execute} for empty steps (finished and preempted requests only), which may then
 * name requests whose step is in flight: their outputs are dropped. A preempted request is never
 * in flight. Executors that run one step at a time keep the defaults.
 */
public interface Executor extends AutoCloseable {

    ModelRunnerOutput execute(SchedulerOutput step);

    /** How many steps the engine may keep in flight now (read before each step; 1 = {@link #execute} only). */
    default int maxStepsInFlight() {
        return 1;
    }

    /** Starts a non-empty step without waiting for its output (only when {@link #maxStepsInFlight()} > 1). */
    default void submit(SchedulerOutput step) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " runs one step at a time");
    }

    /**
     * Waits for the oldest submitted step and returns its output. When it throws, every step in
     * flight is lost (the engine fails their requests).
     */
    default ModelRunnerOutput awaitOldest() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " runs one step at a time");
    }

    @Override
    default void close() {
    }
}
