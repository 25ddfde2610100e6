package io.flotilla.engine;

/**
 * Timings and counters of one finished request, on the engine's nanosecond clock. A time is -1
 * when the event never happened (e.g. aborted while waiting).
 *
 * @param numCachedTokens prompt tokens served from the prefix cache at first admission
 */
public record RequestStats(
        long arrivalNanos, long firstScheduledNanos, long firstTokenNanos, long finishedNanos,
        int numPromptTokens, int numOutputTokens, int numCachedTokens, int numPreemptions) {

    /** Time spent waiting before the first step that computed the request, or -1. */
    public long queueNanos() {
        return firstScheduledNanos < 0 ? -1 : firstScheduledNanos - arrivalNanos;
    }

    /** Time to first token, or -1. */
    public long firstTokenLatencyNanos() {
        return firstTokenNanos < 0 ? -1 : firstTokenNanos - arrivalNanos;
    }
}
