package io.flotilla.bench.serve;

/** Sends one streamed completion request and times it; safe to call from many threads at once. */
public interface CompletionClient extends AutoCloseable {
    /** The timing of one request; failures are returned as {@link RequestTiming#failed}, not thrown. */
    RequestTiming complete(String prompt, int maxTokens);

    @Override
    default void close() {}
}
