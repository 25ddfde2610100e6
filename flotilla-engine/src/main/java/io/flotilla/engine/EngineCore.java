package io.flotilla.engine;

import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.Scheduler;
import io.flotilla.sched.SchedulerOutput;
import io.flotilla.sched.SchedulerStats;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's step loop: {@link #step()} = drain the inbox, {@link Scheduler#schedule()},
 * {@link Executor#execute}, {@link Scheduler#updateFromOutput}.
 *
 * <p>{@link #addRequest}, {@link #abort}, {@link #finish} and {@link #setTenantWeight} may be
 * called from any thread: they queue a command that the next step applies first, so a new
 * request joins at the next step. {@link #step()} and {@link #awaitWork} belong to one engine
 * thread (see {@link EngineLoop}). {@link #stats()} is a snapshot safe to read from any thread.
 */
public final class EngineCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCore.class);

    private sealed interface Command {
    }

    private record Add(Request request, RequestListener listener) implements Command {
    }

    private record Finish(String requestId, FinishReason reason) implements Command {
    }

    private record SetWeight(String tenantId, double weight) implements Command {
    }

    private final Scheduler scheduler;
    private final Executor executor;
    private final LongSupplier clock;
    private final int maxModelLength;
    private final int maxRunningSequences;
    private final LinkedBlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final ArrayDeque<SchedulerOutput> inFlight = new ArrayDeque<>(); // submitted, oldest first
    private volatile SchedulerStats stats;

    public EngineCore(EngineConfig config, Executor executor) {
        this(config, executor, System::nanoTime);
    }

    /** With an explicit nanosecond clock (tests); request arrival times must use the same clock. */
    public EngineCore(EngineConfig config, Executor executor, LongSupplier nanoClock) {
        this.scheduler = new Scheduler(config.scheduler(), config.kvCache().newManager(), nanoClock);
        this.executor = executor;
        this.clock = nanoClock;
        this.maxModelLength = config.scheduler().maxModelLength();
        this.maxRunningSequences = config.scheduler().maxRunningSequences();
        this.stats = scheduler.stats();
    }

    /**
     * Queues a request; its outputs go to {@code listener} on the engine thread. A prompt that
     * leaves no room under the context length is refused here; a duplicate id gets a last
     * output with finish reason error.
     */
    public void addRequest(Request request, RequestListener listener) {
        if (request.promptLength() >= maxModelLength) {
            throw new IllegalArgumentException("request " + request.requestId() + ": prompt of " + request.promptLength()
                    + " tokens leaves no room under maxModelLength " + maxModelLength);
        }
        inbox.add(new Add(request, listener));
    }

    /** Queues a request and returns the queue its outputs will arrive on. */
    public RequestOutputQueue addRequest(Request request) {
        RequestOutputQueue queue = new RequestOutputQueue();
        addRequest(request, queue);
        return queue;
    }

    /** Cancels a request (client gone); its last output has finish reason abort. Unknown ids are ignored. */
    public void abort(String requestId) {
        finish(requestId, FinishReason.ABORT);
    }

    /** Ends a request with the given reason, e.g. STOP when the layer above found a stop string. */
    public void finish(String requestId, FinishReason reason) {
        inbox.add(new Finish(requestId, reason));
    }

    /** Sets a tenant's fair-share weight (default 1). */
    public void setTenantWeight(String tenantId, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of tenant " + tenantId + " must be > 0, got " + weight);
        }
        inbox.add(new SetWeight(tenantId, weight));
    }

    /**
     * Runs one step and returns the outputs it emitted (also delivered to the listeners). The
     * executor is not called when there is nothing to compute and no finished request to report.
     *
     * <p>When the executor can keep several steps in flight ({@link Executor#maxStepsInFlight()}
     * K > 1, a pipeline of stages), a step first submits steps until K are in flight, each over at
     * most {@code ceil(active / K)} sequences that no other step in flight holds, then waits for the
     * oldest and applies its output: while one step's sequences are in the last stage, the next
     * step's are in the first. With K = 1 a step is schedule, execute, update, as it always was.
     */
    public List<RequestOutput> step() {
        List<RequestOutput> outputs = new ArrayList<>(drainInbox());
        int depth = executor.maxStepsInFlight();
        if (depth > 1 || !inFlight.isEmpty()) {
            pipelinedStep(Math.max(depth, 1), outputs);
            stats = scheduler.stats();
            return outputs;
        }
        SchedulerOutput plan = scheduler.schedule();
        if (!plan.isEmpty() || !plan.finishedRequestIds().isEmpty()) { // an empty plan still releases state
            ModelRunnerOutput result;
            try {
                result = executor.execute(plan);
            } catch (RuntimeException e) {
                LOG.error("executor failed on step {} of {} sequences", plan.step(), plan.sequences().size(), e);
                outputs.addAll(failAll(plan));
                stats = scheduler.stats();
                return outputs;
            }
            outputs.addAll(scheduler.updateFromOutput(plan, result));
        }
        stats = scheduler.stats();
        return outputs;
    }

    /** True while requests are waiting or running (commands still in the inbox are not counted). */
    public boolean hasUnfinishedRequests() {
        return scheduler.hasUnfinishedRequests();
    }

    /** True when a step would have something to do (including telling the executor what finished). */
    public boolean hasWork() {
        return scheduler.hasUnfinishedRequests() || scheduler.hasFinishedToReport() || !inbox.isEmpty()
                || !inFlight.isEmpty();
    }

    /** Engine thread: waits up to {@code timeout} for a command when idle; returns whether there is work. */
    public boolean awaitWork(Duration timeout) throws InterruptedException {
        if (hasWork()) {
            return true;
        }
        Command command = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (command != null) {
            apply(command);
            return true;
        }
        return false;
    }

    /** A snapshot taken after the last step. */
    public SchedulerStats stats() {
        return stats;
    }

    /** Nanoseconds on the engine's clock, for request arrival times. */
    public long now() {
        return clock.getAsLong();
    }

    @Override
    public void close() {
        executor.close();
    }

    private List<RequestOutput> drainInbox() {
        List<RequestOutput> outputs = new ArrayList<>();
        for (Command c; (c = inbox.poll()) != null; ) {
            outputs.addAll(apply(c));
        }
        return outputs;
    }

    private List<RequestOutput> apply(Command command) {
        List<RequestOutput> emitted = new ArrayList<>();
        switch (command) {
            case Add(Request request, RequestListener listener) -> {
                try {
                    scheduler.addRequest(request, listener);
                } catch (IllegalArgumentException e) {
                    LOG.warn("rejected request {}: {}", request.requestId(), e.getMessage());
                    RequestOutput rejected = new RequestOutput(request.requestId(), new int[0], List.of(),
                            FinishReason.ERROR, 0, new RequestStats(request.arrivalNanos(), -1, -1, now(),
                                    request.promptLength(), 0, 0, 0));
                    listener.onOutput(rejected);
                    emitted.add(rejected);
                }
            }
            case Finish(String requestId, FinishReason reason) -> {
                RequestOutput last = scheduler.finish(requestId, reason);
                if (last != null) {
                    emitted.add(last);
                }
            }
            case SetWeight(String tenantId, double weight) -> scheduler.setTenantWeight(tenantId, weight);
        }
        return emitted;
    }

    /** Submits steps until {@code depth} are in flight, then completes the oldest. */
    private void pipelinedStep(int depth, List<RequestOutput> outputs) {
        while (inFlight.size() < depth) {
            int active = Math.min(scheduler.numRunning() + scheduler.numWaiting(), maxRunningSequences);
            SchedulerOutput plan = scheduler.schedule(Math.max(1, (active + depth - 1) / depth));
            try {
                if (plan.isEmpty()) {
                    if (!plan.finishedRequestIds().isEmpty() || !plan.preemptedRequestIds().isEmpty()) {
                        executor.execute(plan); // releases state; outputs of in-flight ones are dropped
                    }
                    break;
                }
                executor.submit(plan);
                inFlight.add(plan);
            } catch (RuntimeException e) {
                LOG.error("executor failed to start step {} of {} sequences", plan.step(), plan.sequences().size(), e);
                outputs.addAll(failAll(plan));
                return;
            }
        }
        SchedulerOutput oldest = inFlight.poll();
        if (oldest == null) {
            return;
        }
        ModelRunnerOutput result;
        try {
            result = executor.awaitOldest();
        } catch (RuntimeException e) {
            LOG.error("executor failed on step {} of {} sequences ({} more steps in flight)", oldest.step(),
                    oldest.sequences().size(), inFlight.size(), e);
            outputs.addAll(failAll(oldest));
            for (SchedulerOutput lost; (lost = inFlight.poll()) != null; ) {
                outputs.addAll(failAll(lost));
            }
            return;
        }
        outputs.addAll(scheduler.updateFromOutput(oldest, result));
    }

    private List<RequestOutput> failAll(SchedulerOutput plan) {
        List<RequestOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : plan.sequences()) {
            RequestOutput last = scheduler.finish(seq.requestId(), FinishReason.ERROR);
            if (last != null) {
                outputs.add(last);
            }
        }
        return outputs;
    }
}
