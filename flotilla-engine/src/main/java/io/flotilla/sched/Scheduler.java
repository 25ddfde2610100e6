package io.flotilla.sched;

import io.flotilla.engine.FinishReason;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestListener;
import io.flotilla.engine.RequestOutput;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.exec.TokenLogprobs;
import io.flotilla.kvcache.KvBlockHash;
import io.flotilla.kvcache.KvBlockTable;
import io.flotilla.kvcache.KvCacheManager;
import io.flotilla.kvcache.KvCachedPrefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching with a token budget. Each step, {@link #schedule()} gives every running
 * decoding sequence one token, then running prompts a chunk each, then admits waiting requests
 * (weighted fair queuing across tenants) with the budget left, so prompts are prefilled in
 * chunks that share steps with decoding. After the executor ran the step,
 * {@link #updateFromOutput} appends the sampled tokens, applies the stop rules and emits
 * {@link RequestOutput}s; finished requests release their blocks at once.
 *
 * <p>When the KV pool cannot hold a running sequence's next tokens, the lowest-priority running
 * request (the one whose tenant is furthest ahead in virtual time, latest arrival first) is
 * preempted: its blocks are freed and it returns to the front of its tenant's queue, to be
 * recomputed later (its prefix-cached blocks usually survive). Not thread-safe: one engine thread.
 */
public final class Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final SchedulerConfig config;
    private final KvCacheManager kvCache;
    private final LongSupplier clock;
    private final FairQueue waiting = new FairQueue();
    private final List<RequestState> running = new ArrayList<>();
    private final Map<String, RequestState> requests = new HashMap<>();
    private final List<String> finishedSinceLastStep = new ArrayList<>();
    private long nextOrder;
    private long steps;
    private int lastStepTokens;
    private long totalTokens;
    private long preemptions;

    public Scheduler(SchedulerConfig config, KvCacheManager kvCache, LongSupplier nanoClock) {
        int neededBlocks = kvCache.blocksFor(config.maxModelLength());
        if (neededBlocks > kvCache.pool().numBlocks()) {
            throw new IllegalArgumentException("KV pool of " + kvCache.pool().numBlocks() + " blocks cannot hold one sequence of maxModelLength "
                    + config.maxModelLength() + " (" + neededBlocks + " blocks)");
        }
        this.config = config;
        this.kvCache = kvCache;
        this.clock = nanoClock;
    }

    /** Queues a request; it can be scheduled from the next {@link #schedule()} on. */
    public void addRequest(Request request, RequestListener listener) {
        if (requests.containsKey(request.requestId())) {
            throw new IllegalArgumentException("request id " + request.requestId() + " is already in the engine");
        }
        if (request.promptLength() >= config.maxModelLength()) {
            throw new IllegalArgumentException("request " + request.requestId() + ": prompt of " + request.promptLength()
                    + " tokens leaves no room under maxModelLength " + config.maxModelLength());
        }
        Tenant tenant = waiting.tenant(request.tenantId());
        long seed = config.prefixCachePerTenant() ? KvBlockHash.seed(request.tenantId()) : 0;
        RequestState state = new RequestState(request, listener, tenant, nextOrder++, seed);
        requests.put(request.requestId(), state);
        waiting.add(state);
    }

    /**
     * Ends a waiting or running request now (abort, client gone, stop string found above), frees
     * its blocks and emits its last output, which it returns; null when the id is unknown
     * (already finished).
     */
    public RequestOutput finish(String requestId, FinishReason reason) {
        RequestState state = requests.get(requestId);
        if (state == null) {
            return null;
        }
        if (state.status == RequestState.Status.WAITING) {
            waiting.remove(state);
        }
        release(state);
        return emit(state, new int[0], List.of(), reason);
    }

    public void setTenantWeight(String tenantId, double weight) {
        waiting.setWeight(tenantId, weight);
    }

    /** Plans the next step. An empty plan means there is nothing to compute. */
    public SchedulerOutput schedule() {
        return schedule(Integer.MAX_VALUE);
    }

    /**
     * Plans the next step with at most {@code maxSequences} sequences, leaving out those whose
     * previous step is still in flight (scheduled, its output not yet given to
     * {@link #updateFromOutput}): with several steps in flight each holds its own sequences.
     */
    public SchedulerOutput schedule(int maxSequences) {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be >= 1, got " + maxSequences);
        }
        Step step = new Step(config.tokenBudget(), maxSequences);
        List<RequestState> order = new ArrayList<>(running);
        order.sort(Comparator.comparing(r -> r.isDecoding() ? 0 : 1)); // stable: admission order within groups
        for (RequestState r : order) {
            if (step.full()) {
                break;
            }
            if (r.status == RequestState.Status.RUNNING && !r.inFlight) {
                int n = Math.min(Math.min(r.numTokens() - r.numComputedTokens, step.budget), config.maxPrefillChunk());
                if (allocateOrPreempt(r, n, step)) {
                    step.add(r, n);
                }
            }
        }
        if (step.preempted.isEmpty()) {
            admitWaiting(step);
        }
        return build(step);
    }

    /** Applies a step's results: advances progress, appends sampled tokens, finishes what stops. */
    public List<RequestOutput> updateFromOutput(SchedulerOutput step, ModelRunnerOutput result) {
        List<RequestOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : step.sequences()) {
            RequestState r = requests.get(seq.requestId());
            if (r == null || r.status != RequestState.Status.RUNNING) {
                continue; // finished while the step ran
            }
            r.inFlight = false;
            r.numComputedTokens += seq.numTokens();
            kvCache.cacheComputedBlocks(r);
            if (seq.sample()) {
                SequenceOutput sampled = result.get(seq.requestId());
                if (sampled == null) { // an executor bug: end this request, keep serving the others
                    LOG.error("executor returned no token for request {} at position {} of step {}",
                            seq.requestId(), seq.endPosition(), step.step());
                    release(r);
                    outputs.add(emit(r, new int[0], List.of(), FinishReason.ERROR));
                } else {
                    outputs.add(appendSampled(r, sampled));
                }
            }
        }
        return outputs;
    }

    public boolean hasUnfinishedRequests() {
        return !requests.isEmpty();
    }

    /** True when finished requests are still to be reported to the executor by the next plan. */
    public boolean hasFinishedToReport() {
        return !finishedSinceLastStep.isEmpty();
    }

    /** Ids of the unfinished requests. */
    public List<String> requestIds() {
        return List.copyOf(requests.keySet());
    }

    public int numRunning() {
        return running.size();
    }

    public int numWaiting() {
        return waiting.size();
    }

    public KvCacheManager kvCache() {
        return kvCache;
    }

    public SchedulerStats stats() {
        return new SchedulerStats(running.size(), waiting.size(), steps, lastStepTokens, totalTokens, preemptions,
                kvCache.stats(), waiting.stats());
    }

    /** The tokens being built for one step. */
    private static final class Step {
        int budget;
        final int maxSequences;
        final Map<RequestState, Integer> scheduled = new LinkedHashMap<>();
        final List<String> preempted = new ArrayList<>();

        Step(int budget, int maxSequences) {
            this.budget = budget;
            this.maxSequences = maxSequences;
        }

        boolean full() {
            return budget == 0 || scheduled.size() >= maxSequences;
        }

        void add(RequestState r, int n) {
            scheduled.put(r, n);
            budget -= n;
            r.tenant.charge(n);
        }

        void remove(RequestState r) {
            Integer n = scheduled.remove(r);
            if (n != null) {
                budget += n;
                r.tenant.charge(-n);
            }
        }
    }

    /**
     * Allocates blocks for n tokens of r, preempting lower-priority requests that are not in flight
     * (r is one of them); false when r itself was preempted.
     */
    private boolean allocateOrPreempt(RequestState r, int n, Step step) {
        while (kvCache.allocate(r, n) == null) {
            RequestState victim = running.stream().filter(s -> !s.inFlight)
                    .max(Comparator.<RequestState>comparingDouble(s -> s.tenant.virtualTime).thenComparingLong(s -> s.order))
                    .orElseThrow();
            preempt(victim, step);
            if (victim == r) {
                return false;
            }
        }
        return true;
    }

    private void preempt(RequestState victim, Step step) {
        step.remove(victim);
        step.preempted.add(victim.id());
        running.remove(victim);
        victim.tenant.numRunning--;
        kvCache.free(victim);
        victim.status = RequestState.Status.WAITING;
        victim.numComputedTokens = 0;
        victim.numPreemptions++;
        preemptions++;
        waiting.addFirst(victim);
        LOG.debug("preempted {} ({} tokens to recompute)", victim.id(), victim.numTokens());
    }

    private void admitWaiting(Step step) {
        while (!step.full() && running.size() < config.maxRunningSequences()) {
            RequestState r = waiting.peek();
            if (r == null) {
                break;
            }
            KvCachedPrefix prefix = kvCache.findCachedPrefix(r);
            int n = Math.min(Math.min(r.numTokens() - prefix.numTokens(), step.budget), config.maxPrefillChunk());
            if (kvCache.allocate(r, n, prefix) == null) {
                break; // no room: wait for running requests to finish (never preempt for a newcomer)
            }
            waiting.remove(r);
            running.add(r);
            r.tenant.numRunning++;
            r.status = RequestState.Status.RUNNING;
            r.numComputedTokens = prefix.numTokens();
            if (r.firstScheduledNanos < 0) {
                r.firstScheduledNanos = clock.getAsLong();
                r.numCachedTokens = prefix.numTokens();
            }
            step.add(r, n);
        }
    }

    private SchedulerOutput build(Step step) {
        List<ScheduledSequence> sequences = new ArrayList<>(step.scheduled.size());
        int total = 0;
        for (Map.Entry<RequestState, Integer> e : step.scheduled.entrySet()) {
            RequestState r = e.getKey();
            int n = e.getValue();
            r.inFlight = true;
            int start = r.numComputedTokens;
            KvBlockTable table = kvCache.table(r.id());
            int[] history = r.request.params().usesPenalties() ? r.outputTokens() : new int[0];
            sequences.add(new ScheduledSequence(r.id(), r.tokens(start, start + n), start, table.blockIds(),
                    start + n == r.numTokens(), r.request.params(), r.request.promptLength(), history));
            total += n;
        }
        SchedulerOutput output = new SchedulerOutput(steps, sequences, total, kvCache.blockSize(),
                finishedSinceLastStep, step.preempted);
        finishedSinceLastStep.clear();
        if (!sequences.isEmpty()) {
            steps++;
            totalTokens += total;
        }
        lastStepTokens = total;
        return output;
    }

    private RequestOutput appendSampled(RequestState r, SequenceOutput sampled) {
        FinishReason reason = null;
        int accepted = 0;
        while (accepted < sampled.numTokens() && reason == null) {
            int token = sampled.token(accepted++);
            r.appendOutput(token);
            reason = stopReason(r, token);
        }
        if (r.firstTokenNanos < 0) {
            r.firstTokenNanos = clock.getAsLong();
        }
        int[] tokens = new int[accepted];
        for (int i = 0; i < accepted; i++) {
            tokens[i] = sampled.token(i);
        }
        List<TokenLogprobs> logprobs = r.request.params().logprobs() > 0 && !sampled.logprobs().isEmpty()
                ? sampled.logprobs().subList(0, accepted) : List.of();
        if (reason != null) {
            release(r);
        }
        return emit(r, tokens, logprobs, reason);
    }

    private FinishReason stopReason(RequestState r, int token) {
        var params = r.request.params();
        if ((!params.ignoreEos() && config.endOfGenerationIds().contains(token)) || params.isStopToken(token)) {
            return FinishReason.STOP;
        }
        if (r.numOutputTokens() >= params.maxTokens() || r.numTokens() >= config.maxModelLength()) {
            return FinishReason.LENGTH;
        }
        return null;
    }

    /** Takes a request out of the engine for good and frees its blocks. */
    private void release(RequestState r) {
        if (r.status == RequestState.Status.RUNNING) {
            running.remove(r);
            r.tenant.numRunning--;
        }
        kvCache.free(r);
        r.status = RequestState.Status.FINISHED;
        requests.remove(r.id());
        waiting.finished(r);
        finishedSinceLastStep.add(r.id());
    }

    private RequestOutput emit(RequestState r, int[] tokens, List<TokenLogprobs> logprobs, FinishReason reason) {
        RequestOutput output = new RequestOutput(r.id(), tokens, logprobs, reason, r.numOutputTokens(),
                reason == null ? null : r.stats(clock.getAsLong()));
        try {
            r.listener.onOutput(output);
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed on {}", r.id(), output, e);
        }
        return output;
    }
}
