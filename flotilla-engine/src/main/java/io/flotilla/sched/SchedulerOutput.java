package io.flotilla.sched;

import java.util.List;

/**
 * The plan of one step, handed to the executor.
 *
 * @param sequences          what to compute, decoding sequences first
 * @param numTokens          total tokens of the step (≤ the token budget)
 * @param blockSize          tokens per KV block, to map positions to slots
 * @param finishedRequestIds requests that left since the previous step: executors drop their state
 * @param preemptedRequestIds requests preempted by this step: their blocks are freed and they will be
 *                           recomputed from position 0 later
 */
public record SchedulerOutput(
        long step, List<ScheduledSequence> sequences, int numTokens, int blockSize,
        List<String> finishedRequestIds, List<String> preemptedRequestIds) {

    public SchedulerOutput {
        sequences = List.copyOf(sequences);
        finishedRequestIds = List.copyOf(finishedRequestIds);
        preemptedRequestIds = List.copyOf(preemptedRequestIds);
    }

    public boolean isEmpty() {
        return sequences.isEmpty();
    }
}
