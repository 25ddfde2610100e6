package io.flotilla.bench;

/**
 * An engine the benchmark times: Flotilla itself, or a llama.cpp baseline measured in the same
 * run. Every {@link #run} starts from an empty cache.
 */
public interface EngineTarget extends AutoCloseable {
    /** What the reports call it. */
    String name();

    /** One timed run: prefill of {@code prompt}, then {@code genTokens} greedy decode steps. */
    EngineRun run(int[] prompt, int genTokens);

    /** An untimed run before the timed ones (JIT, page faults of the mapping). */
    default void warmUp(int[] prompt, int genTokens) {
        run(prompt, genTokens);
    }

    /**
     * One untimed token right before each timed run, as llama-bench generates one before its timed run
     * in every process ({@code test_gen(ctx, 1)}): threads awake and caches warm, for both sides alike.
     */
    void prime();

    @Override
    void close();
}
