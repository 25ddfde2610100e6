package io.flotilla.bench.serve;

/** Sends one streamed completion request and times it; safe to call from many threads at once. */
public interface CompletionClient extends AutoCloseable {
    /** The timing of one request; failures are returned as {@link RequestTiming#failed}, not thrown. */
    RequestTiming complete(String prompt, int maxTokens);

    /**
     * As {@link #complete(String, int)}, but closes the stream after {@code cancelAfter} content
     * chunks (0 = never) and returns {@link RequestTiming#CANCELLED}; clients that cannot cancel
     * run the request to its end.
     */
    default RequestTiming complete(String prompt, int maxTokens, int cancelAfter) {
        return complete(prompt, maxTokens);
    }

    @Override
    default void close() {}
}
