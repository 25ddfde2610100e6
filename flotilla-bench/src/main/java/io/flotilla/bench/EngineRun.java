package io.flotilla.bench;

/** Speeds of one timed run: a prefill from an empty cache, then greedy decode steps. */
public record EngineRun(double prefillTokensPerSecond, double decodeTokensPerSecond) {
    /** The run that prefilled {@code prompt} tokens in {@code prefillNanos} and decoded {@code gen} in {@code decodeNanos}. */
    public static EngineRun of(int prompt, long prefillNanos, int gen, long decodeNanos) {
        return new EngineRun(prompt * 1e9 / Math.max(1, prefillNanos), gen * 1e9 / Math.max(1, decodeNanos));
    }
}
