package io.flotilla.pipeline;

import io.flotilla.engine.EngineConfig;
import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.RequestSamplers;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import io.flotilla.wire.Message;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs engine steps through the coordinator's pipeline of stage nodes; the last stage returns the
 * logits of the sequences that sample and this executor samples them as {@code LocalExecutor} does.
 *
 * <p>Keeping every stage busy: a stage runs a micro-batch of several sequences as one batched pass,
 * which costs little more than one token, so micro-batches are few and large. With S ≥ 2 stages the
 * engine keeps S steps in flight ({@link #maxStepsInFlight()}), each over its own share of the
 * running sequences and sent as one micro-batch per replica: while stage 2 runs one step, stage 1
 * runs the next, across steps. A step run alone ({@link #execute}) is cut into S balanced
 * micro-batches, sent at once ({@link #microBatches}).
 *
 * <p>K/V: every batch carries each chunk's block table of the engine's {@code KvCacheManager}, and
 * every stage keeps its layers' K/V in a paged store with the same block ids, as
 * {@code BatchExecutor} does on one machine. So prefix caching works through the pipeline: a request
 * whose prompt shares full blocks with an earlier one starts after them on every stage, and the
 * output is bit for bit that of one process, with or without prefix caching.
 *
 * <p>Surviving failures: the executor remembers every token each sequence ran and which plan
 * computed each block ({@link PipelineBlocks}). When the pipeline breaks (a node dies, a link closes)
 * it waits for the coordinator's next plan, whose stages start empty; before a chunk that continues
 * after blocks of an older plan, it replays the sequence's tokens into them (a cached prefix is
 * rebuilt from the tokens its blocks held), then runs the step again: the same tokens at the same
 * positions give the same K/V, so the output equals an uninterrupted run. Every step in flight is
 * sent again, oldest first, on the new plan.
 *
 * <p>Replicas: when the plan has several pipelines, each sequence is placed on the least loaded one
 * (fewest sequences) when it starts or when a new plan starts, and stays there; every step sends
 * each replica its own micro-batches. Each replica's stages hold their own blocks: a cached prefix
 * computed on another replica is replayed into this one's first. A replica that breaks breaks the
 * plan: the coordinator re-plans and every sequence is replayed, each on the least loaded replica of
 * the new plan.
 */
public final class PipelineExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineExecutor.class);

    private final Coordinator coordinator;
    private final Duration planTimeout;
    private final Duration stepTimeout;
    private final PipelineBlocks blocks;
    private final PipelineFrames frames;
    private final Map<String, PipelineSequence> sequences = new HashMap<>();
    private final Map<String, Long> tokensByReplica = new java.util.TreeMap<>();
    private final ArrayDeque<PipelineStep> inFlight = new ArrayDeque<>(); // oldest first
    private ActivePipeline pipeline; // that of the steps in flight
    private String broken; // why sending a step in flight failed: the next await re-plans
    private PipelineTracing tracing = PipelineTracing.OFF;
    private int nextSequenceId;
    private long nextRequestId = 1;
    private RequestSamplers samplers; // made at the first step: the vocabulary is known once the coordinator started
    private int replays;

    /** Thrown inside a step when the pipeline it used broke. */
    private static final class PipelineBroken extends Exception {
        PipelineBroken(String message) {
            super(message);
        }
    }

    /**
     * An executor for an engine with {@code engine}'s settings: stages keep paged stores of its
     * {@code numBlocks × blockSize} positions and take passes of up to its token budget.
     *
     * @param planTimeout how long a step waits for a (re-)plan before failing
     * @param stepTimeout how long a step waits for results on an unchanged plan before declaring it broken
     */
    public PipelineExecutor(Coordinator coordinator, EngineConfig engine, Duration planTimeout, Duration stepTimeout) {
        this.coordinator = coordinator;
        this.planTimeout = planTimeout;
        this.stepTimeout = stepTimeout;
        this.blocks = new PipelineBlocks(engine.kvCache().numBlocks(), engine.kvCache().blockSize());
        this.frames = new PipelineFrames(engine.kvCache().numBlocks(), engine.kvCache().blockSize(),
                engine.scheduler().tokenBudget());
    }

    /** Traces each step of traced requests down to every stage (off by default). */
    public PipelineExecutor withTracing(PipelineTracing tracing) {
        this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
        return this;
    }

    /** Tokens sent to each replica so far (replays excluded), by the node id of its first stage. */
    public Map<String, Long> tokensByReplica() {
        return Map.copyOf(tokensByReplica);
    }

    /** Batches replayed to rebuild K/V after failures so far (for tests and stats). */
    public int replays() {
        return replays;
    }

    /**
     * One step in flight per stage of the longest replica: of the plan the steps in flight use, else
     * of the current plan (1 while there is none).
     */
    @Override
    public int maxStepsInFlight() {
        ActivePipeline current = inFlight.isEmpty() ? coordinator.activePipeline() : pipeline;
        return current == null ? 1 : stagesInFlight(current);
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        forget(step);
        if (step.isEmpty()) {
            return ModelRunnerOutput.EMPTY;
        }
        if (!inFlight.isEmpty()) {
            throw new IllegalStateException("step " + step.step() + " executed while " + inFlight.size()
                    + " steps are in flight: await them first");
        }
        start(step, 1);
        return awaitOldest();
    }

    @Override
    public void submit(SchedulerOutput step) {
        forget(step);
        if (step.isEmpty()) {
            throw new IllegalArgumentException("step " + step.step() + " is empty: execute it instead");
        }
        start(step, maxStepsInFlight());
    }

    @Override
    public ModelRunnerOutput awaitOldest() {
        PipelineStep oldest = inFlight.peek();
        if (oldest == null) {
            throw new IllegalStateException("no step in flight");
        }
        try {
            while (true) {
                try {
                    if (broken != null) {
                        throw new PipelineBroken(broken);
                    }
                    collect(oldest);
                    break;
                } catch (PipelineBroken e) {
                    recover(e.getMessage());
                }
            }
            inFlight.poll();
            return complete(oldest);
        } catch (RuntimeException e) {
            inFlight.forEach(PipelineStep::endSpans);
            inFlight.clear();
            pipeline = null;
            throw e;
        }
    }

    /** Drops the state of finished requests and forgets the K/V of preempted ones (never in flight). */
    private void forget(SchedulerOutput step) {
        step.finishedRequestIds().forEach(id -> {
            sequences.remove(id); // a step in flight drops its output
            if (samplers != null) {
                samplers.drop(id);
            }
        });
        step.preemptedRequestIds().forEach(id -> {
            PipelineSequence s = sequences.get(id);
            if (s != null) { // keep the sampler: its RNG continues where it was
                s.length = 0;
            }
        });
        if (!step.isEmpty() && step.blockSize() != blocks.blockSize()) {
            throw new IllegalArgumentException("step with blocks of " + step.blockSize() + " tokens, executor made for "
                    + blocks.blockSize());
        }
    }

    /** Puts a step in flight on the pipeline of the steps already in flight (or the current one) and sends it. */
    private void start(SchedulerOutput step, int stepsInFlight) {
        if (inFlight.isEmpty()) {
            pipeline = await(-1);
            broken = null;
        }
        List<PipelineStep.Part> parts = new ArrayList<>(step.sequences().size());
        for (ScheduledSequence seq : step.sequences()) {
            parts.add(new PipelineStep.Part(seq,
                    sequences.computeIfAbsent(seq.requestId(), id -> new PipelineSequence(nextSequenceId++))));
        }
        PipelineStep inflight = new PipelineStep(step, parts, stepsInFlight);
        inFlight.add(inflight);
        if (broken == null) {
            try {
                send(inflight);
            } catch (PipelineBroken e) {
                broken = e.getMessage(); // the next await re-plans and sends it again
            } catch (RuntimeException e) { // not in flight after all: the engine fails its requests
                inFlight.removeLast();
                inflight.endSpans();
                throw e;
            }
        }
    }

    /** Reports the broken plan, waits for the next and sends every step in flight again, oldest first. */
    private void recover(String reason) {
        LOG.warn("{} steps in flight: pipeline of plan {} broke ({}); waiting for a new plan", inFlight.size(),
                pipeline.version(), reason);
        coordinator.pipelineFailed(pipeline.version(), reason);
        pipeline = await(pipeline.version());
        broken = null;
        try {
            for (PipelineStep step : inFlight) {
                send(step);
            }
        } catch (PipelineBroken e) {
            broken = e.getMessage();
        }
    }

    private ActivePipeline await(long afterVersion) {
        try {
            ActivePipeline next = coordinator.awaitPipeline(afterVersion, planTimeout);
            if (next == null) {
                throw new IllegalStateException("no pipeline after " + planTimeout.toSeconds() + " s: "
                        + coordinator.status().problem());
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a pipeline", e);
        }
    }

    /** Sends the step's chunks of requests still running (after replays its new replicas need). */
    private void send(PipelineStep step) throws PipelineBroken {
        step.reset();
        List<PipelineStep.Part> live = step.parts.stream()
                .filter(p -> sequences.get(p.chunk().requestId()) == p.sequence()).toList();
        for (PipelineStep.Part part : live) {
            PipelineSequence s = part.sequence();
            if (s.kvVersion != pipeline.version()) {
                s.replica = leastLoaded(pipeline);
                s.kvVersion = pipeline.version();
            }
            prepare(part.chunk(), s, step.expected);
        }
        for (int r = 0; r < pipeline.replicas().size(); r++) {
            int replica = r;
            send(r, step, live.stream().filter(p -> p.sequence().replica == replica).toList());
        }
    }

    /** The step's outputs once every answer came: records what the stages computed, samples. */
    private ModelRunnerOutput complete(PipelineStep step) {
        List<SequenceOutput> outputs = new ArrayList<>();
        for (PipelineStep.Part part : step.parts) {
            ScheduledSequence seq = part.chunk();
            PipelineSequence s = part.sequence();
            if (sequences.get(seq.requestId()) != s) {
                continue; // finished while in flight
            }
            blocks.written(seq.blockIds(), seq.startPosition(), seq.tokenIds(), 0, seq.numTokens(),
                    pipeline.version(), s.replica, false);
            s.append(seq.tokenIds());
            if (seq.sample()) {
                outputs.add(samplers().sample(seq, step.logits.get(s.id)));
            }
        }
        step.endSpans();
        return ModelRunnerOutput.of(outputs);
    }

    /** Sends replica {@code r} the micro-batches of its sequences in this step. */
    private void send(int r, PipelineStep step, List<PipelineStep.Part> mine) throws PipelineBroken {
        ActivePipeline.Replica replica = pipeline.replicas().get(r);
        int microBatches = microBatches(mine.size(), replica.stages().size(), step.stepsInFlight);
        for (int m = 0; m < microBatches; m++) {
            List<PipelineStep.Part> parts = mine.subList(m * mine.size() / microBatches,
                    (m + 1) * mine.size() / microBatches);
            List<ScheduledSequence> part = parts.stream().map(PipelineStep.Part::chunk).toList();
            long id = nextRequestId++;
            send(replica, frames.microBatch(id, m, parts, traceParent(step.step, part, step.spans)));
            step.expected.put(id, part);
            tokensByReplica.merge(replica.stages().getFirst().nodeId(),
                    part.stream().mapToLong(ScheduledSequence::numTokens).sum(), Long::sum);
        }
    }

    /**
     * Makes the sequence's replica ready for {@code seq}'s chunk: a fresh start forgets the
     * sequence's tokens; a chunk after a cached prefix adopts the prefix's tokens; and when the
     * blocks before the chunk were not computed on this replica under this plan, replays them first.
     */
    private void prepare(ScheduledSequence seq, PipelineSequence s, Map<Long, List<ScheduledSequence>> expected)
            throws PipelineBroken {
        int start = seq.startPosition();
        if (start == 0) {
            s.length = 0;
            return;
        }
        if (s.length == 0) { // the scheduler found a cached prefix: its blocks hold the tokens
            s.append(blocks.prefix(seq.blockIds(), start));
        }
        if (s.length != start) {
            throw new IllegalStateException("request " + seq.requestId() + ": chunk starts at position " + start
                    + " but its K/V holds " + s.length + " tokens");
        }
        if (!blocks.current(seq.blockIds(), start, pipeline.version(), s.replica)) {
            replay(s, seq.blockIds(), expected);
        }
    }

    /**
     * Micro-batches of one replica's share of a step: the replica's stages divided among the steps in
     * flight ({@code ceil(stages / stepsInFlight)}, balanced, at most one per sequence). With one step
     * in flight per stage that is one micro-batch of all the step's sequences; a step run alone on S
     * stages is cut in S, so that stage k runs one part while stage k+1 runs the previous.
     */
    static int microBatches(int sequences, int stages, int stepsInFlight) {
        return Math.min(sequences, (stages + stepsInFlight - 1) / stepsInFlight);
    }

    /** Steps to keep in flight on {@code pipeline}: the stages of its longest replica. */
    static int stagesInFlight(ActivePipeline pipeline) {
        return pipeline.replicas().stream().mapToInt(r -> r.stages().size()).max().orElse(1);
    }

    /** The replica of the current plan holding the fewest sequences (the first at a tie). */
    private int leastLoaded(ActivePipeline pipeline) {
        int[] load = new int[pipeline.replicas().size()];
        for (PipelineSequence s : sequences.values()) {
            if (s.kvVersion == pipeline.version()) {
                load[s.replica]++;
            }
        }
        int best = 0;
        for (int r = 1; r < load.length; r++) {
            if (load[r] < load[best]) {
                best = r;
            }
        }
        return best;
    }

    /**
     * Sends the sequence's tokens again to its replica, in passes of up to the token budget without
     * logits, so that its current stages hold its K/V in its blocks.
     */
    private void replay(PipelineSequence s, int[] table, Map<Long, List<ScheduledSequence>> expected)
            throws PipelineBroken {
        ActivePipeline.Replica replica = pipeline.replicas().get(s.replica);
        for (int p0 = 0; p0 < s.length; p0 += frames.maxTokens()) {
            int n = Math.min(frames.maxTokens(), s.length - p0);
            long id = nextRequestId++;
            send(replica, frames.replay(id, s, table, p0, n));
            expected.put(id, List.of());
            blocks.written(table, p0, s.tokens, p0, n, pipeline.version(), s.replica, true);
            replays++;
        }
    }

    /** The trace context the micro-batch carries: that of its first traced sequence's step span, or "". */
    private String traceParent(SchedulerOutput step, List<ScheduledSequence> part, Map<String, Span> spans) {
        String parent = "";
        for (ScheduledSequence seq : part) {
            Span span = tracing.startStep(seq.requestId(), step.step(), seq.startPosition(), seq.numTokens());
            if (span.getSpanContext().isValid()) {
                spans.put(seq.requestId(), span);
                if (parent.isEmpty()) {
                    parent = PipelineTracing.traceParent(span);
                }
            }
        }
        return parent;
    }

    private void send(ActivePipeline.Replica replica, Message message) throws PipelineBroken {
        try {
            replica.first().send(message);
        } catch (IOException e) {
            throw new PipelineBroken("sending to " + replica.stages().getFirst().nodeId() + " failed: "
                    + e.getMessage());
        }
    }

    /** Waits until every answer of {@code step} came; answers to later steps in flight are kept for them. */
    private void collect(PipelineStep step) throws PipelineBroken {
        long deadline = System.nanoTime() + stepTimeout.toNanos();
        while (!step.done()) {
            if (coordinator.activeVersion() != pipeline.version()) {
                throw new PipelineBroken("the coordinator re-planned (plan " + coordinator.activeVersion() + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new PipelineBroken("no result for " + stepTimeout.toSeconds() + " s");
            }
            Coordinator.PipelineResult result = poll();
            if (result == null || result.planVersion() != pipeline.version()) {
                continue;
            }
            switch (result.message()) {
                case Message.Logits m -> {
                    for (PipelineStep s : inFlight) {
                        if (s.accept(m, tracing)) {
                            break;
                        }
                    }
                }
                case Message.Error m -> throw new IllegalStateException("pipeline of plan " + pipeline.version()
                        + " refused batch " + m.requestId() + ": " + m.message());
                default -> {
                }
            }
        }
    }

    private Coordinator.PipelineResult poll() {
        try {
            return coordinator.pollResult(Duration.ofMillis(50));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the pipeline", e);
        }
    }

    private RequestSamplers samplers() {
        if (samplers == null) {
            samplers = new RequestSamplers(coordinator.vocabSize());
        }
        return samplers;
    }
}
