package io.flotilla.sched;

import io.flotilla.engine.Request;
import io.flotilla.engine.RequestListener;
import io.flotilla.engine.RequestStats;
import io.flotilla.kvcache.KvSequence;
import java.util.Arrays;

/** The scheduler's mutable record of one unfinished request: its tokens, progress and timings. */
final class RequestState implements KvSequence {
    enum Status { WAITING, RUNNING, FINISHED }

    final Request request;
    final RequestListener listener;
    final Tenant tenant;
    final long order; // admission order to the engine, breaks ties
    final long prefixCacheSeed;
    Status status = Status.WAITING;
    private int[] tokens; // prompt then outputs; [0, numTokens) valid
    private int numTokens;
    int numComputedTokens;
    boolean inFlight; // scheduled in a step whose output is not applied yet
    int numCachedTokens = -1; // set at first admission
    int numPreemptions;
    long firstScheduledNanos = -1;
    long firstTokenNanos = -1;

    RequestState(Request request, RequestListener listener, Tenant tenant, long order, long prefixCacheSeed) {
        this.request = request;
        this.listener = listener;
        this.tenant = tenant;
        this.order = order;
        this.prefixCacheSeed = prefixCacheSeed;
        int promptLength = request.promptLength();
        tokens = Arrays.copyOf(request.promptTokenIds(), promptLength + Math.min(request.params().maxTokens(), 64));
        numTokens = promptLength;
    }

    String id() {
        return request.requestId();
    }

    int numOutputTokens() {
        return numTokens - request.promptLength();
    }

    /** True when every token but the last sampled one is computed: the next step computes one token. */
    boolean isDecoding() {
        return numOutputTokens() > 0 && numTokens - numComputedTokens == 1;
    }

    void appendOutput(int tokenId) {
        if (numTokens == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(16, tokens.length * 2));
        }
        tokens[numTokens++] = tokenId;
    }

    int[] tokens(int from, int to) {
        return Arrays.copyOfRange(tokens, from, to);
    }

    int[] outputTokens() {
        return Arrays.copyOfRange(tokens, request.promptLength(), numTokens);
    }

    RequestStats stats(long now) {
        return new RequestStats(request.arrivalNanos(), firstScheduledNanos, firstTokenNanos, now,
                request.promptLength(), numOutputTokens(), Math.max(numCachedTokens, 0), numPreemptions);
    }

    @Override
    public String sequenceId() {
        return request.requestId();
    }

    @Override
    public int numTokens() {
        return numTokens;
    }

    @Override
    public int tokenAt(int index) {
        return tokens[index];
    }

    @Override
    public int numComputedTokens() {
        return numComputedTokens;
    }

    @Override
    public long prefixCacheSeed() {
        return prefixCacheSeed;
    }

    @Override
    public String toString() {
        return id() + "(" + status + ", tokens=" + numTokens + ", computed=" + numComputedTokens + ")";
    }
}
