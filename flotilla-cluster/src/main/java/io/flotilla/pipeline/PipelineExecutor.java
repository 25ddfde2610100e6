package io.flotilla.pipeline;

import io.flotilla.engine.EngineConfig;
import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.RequestSamplers;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import io.flotilla.wire.KvPaging;
import io.flotilla.wire.Message;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs engine steps through the coordinator's pipeline of stage nodes. Each step's sequences are
 * cut into micro-batches (one per sequence, up to four per stage) and all are sent at once, so that
 * stage k works on one micro-batch while stage k+1 works on the previous; the last stage returns the
 * logits of the sequences that sample and this executor samples them as {@code LocalExecutor} does.
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
 * positions give the same K/V, so the output equals an uninterrupted run.
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
    private final int maxTokens;
    private final Map<String, Sequence> sequences = new HashMap<>();
    private final Map<String, Long> tokensByReplica = new java.util.TreeMap<>();
    private PipelineTracing tracing = PipelineTracing.OFF;
    private int nextSequenceId;
    private long nextRequestId = 1;
    private RequestSamplers samplers; // made at the first step: the vocabulary is known once the coordinator started
    private int replays;

    /** Per request: its id on the wire, the tokens at positions {@code [0, length)} of its K/V, its replica. */
    private static final class Sequence {
        final int id;
        int[] tokens = new int[64];
        int length;
        long kvVersion = -1; // the plan under which its replica was chosen
        int replica;

        Sequence(int id) {
            this.id = id;
        }

        void append(int[] chunk) {
            if (length + chunk.length > tokens.length) {
                tokens = Arrays.copyOf(tokens, Math.max(2 * tokens.length, length + chunk.length));
            }
            System.arraycopy(chunk, 0, tokens, length, chunk.length);
            length += chunk.length;
        }
    }

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
        this.maxTokens = engine.scheduler().tokenBudget();
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

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        step.finishedRequestIds().forEach(id -> {
            sequences.remove(id);
            if (samplers != null) {
                samplers.drop(id);
            }
        });
        step.preemptedRequestIds().forEach(id -> {
            Sequence s = sequences.get(id);
            if (s != null) { // keep the sampler: its RNG continues where it was
                s.length = 0;
            }
        });
        if (step.isEmpty()) {
            return ModelRunnerOutput.EMPTY;
        }
        if (step.blockSize() != blocks.blockSize()) {
            throw new IllegalArgumentException("step with blocks of " + step.blockSize() + " tokens, executor made for "
                    + blocks.blockSize());
        }
        long after = -1;
        while (true) {
            ActivePipeline pipeline = await(after);
            try {
                return run(pipeline, step);
            } catch (PipelineBroken e) {
                LOG.warn("step {}: pipeline of plan {} broke ({}); waiting for a new plan", step.step(),
                        pipeline.version(), e.getMessage());
                coordinator.pipelineFailed(pipeline.version(), e.getMessage());
                after = pipeline.version();
            }
        }
    }

    private ActivePipeline await(long afterVersion) {
        try {
            ActivePipeline pipeline = coordinator.awaitPipeline(afterVersion, planTimeout);
            if (pipeline == null) {
                throw new IllegalStateException("no pipeline after " + planTimeout.toSeconds() + " s: "
                        + coordinator.status().problem());
            }
            return pipeline;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a pipeline", e);
        }
    }

    private ModelRunnerOutput run(ActivePipeline pipeline, SchedulerOutput step) throws PipelineBroken {
        Map<Long, List<ScheduledSequence>> expected = new HashMap<>();
        List<ScheduledSequence> batch = step.sequences();
        for (ScheduledSequence seq : batch) {
            Sequence s = sequences.computeIfAbsent(seq.requestId(), id -> new Sequence(nextSequenceId++));
            if (s.kvVersion != pipeline.version()) {
                s.replica = leastLoaded(pipeline);
                s.kvVersion = pipeline.version();
            }
            prepare(pipeline, seq, s, expected);
        }
        Map<String, Span> spans = new HashMap<>();
        try {
            for (int r = 0; r < pipeline.replicas().size(); r++) {
                send(pipeline, r, step, batch, expected, spans);
            }
            Map<Integer, float[]> logits = collect(pipeline, expected, spans);
            List<SequenceOutput> outputs = new ArrayList<>();
            for (ScheduledSequence seq : batch) {
                Sequence s = sequences.get(seq.requestId());
                blocks.written(seq.blockIds(), seq.startPosition(), seq.tokenIds(), 0, seq.numTokens(),
                        pipeline.version(), s.replica, false);
                s.append(seq.tokenIds());
                if (seq.sample()) {
                    outputs.add(samplers().sample(seq, logits.get(s.id)));
                }
            }
            return ModelRunnerOutput.of(outputs);
        } finally {
            spans.values().forEach(Span::end);
        }
    }

    /** Sends replica {@code r} the micro-batches of its sequences in this step. */
    private void send(ActivePipeline pipeline, int r, SchedulerOutput step, List<ScheduledSequence> batch,
                      Map<Long, List<ScheduledSequence>> expected, Map<String, Span> spans) throws PipelineBroken {
        ActivePipeline.Replica replica = pipeline.replicas().get(r);
        List<ScheduledSequence> mine = batch.stream()
                .filter(seq -> sequences.get(seq.requestId()).replica == r).toList();
        int microBatches = microBatches(mine.size(), replica.stages().size());
        for (int m = 0; m < microBatches; m++) {
            List<ScheduledSequence> part = mine.subList(m * mine.size() / microBatches,
                    (m + 1) * mine.size() / microBatches);
            long id = nextRequestId++;
            send(replica, tokenBatch(id, m, part, traceParent(step, part, spans)));
            expected.put(id, part);
            tokensByReplica.merge(replica.stages().getFirst().nodeId(),
                    part.stream().mapToLong(ScheduledSequence::numTokens).sum(), Long::sum);
        }
    }

    /**
     * Makes the sequence's replica ready for {@code seq}'s chunk: a fresh start forgets the
     * sequence's tokens; a chunk after a cached prefix adopts the prefix's tokens; and when the
     * blocks before the chunk were not computed on this replica under this plan, replays them first.
     */
    private void prepare(ActivePipeline pipeline, ScheduledSequence seq, Sequence s,
                         Map<Long, List<ScheduledSequence>> expected) throws PipelineBroken {
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
            replay(pipeline, s, seq.blockIds(), expected);
        }
    }

    /**
     * One micro-batch per sequence (at most four per stage) when there are several stages: with as
     * many micro-batches as stages, filling and draining the pipeline would idle each stage for a
     * third of a two-stage step; with eight, for a ninth. A single stage gets one batch.
     */
    static int microBatches(int sequences, int stages) {
        return stages == 1 ? Math.min(sequences, 1) : Math.min(sequences, 4 * stages);
    }

    /** The replica of the current plan holding the fewest sequences (the first at a tie). */
    private int leastLoaded(ActivePipeline pipeline) {
        int[] load = new int[pipeline.replicas().size()];
        for (Sequence s : sequences.values()) {
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
    private void replay(ActivePipeline pipeline, Sequence s, int[] table, Map<Long, List<ScheduledSequence>> expected)
            throws PipelineBroken {
        ActivePipeline.Replica replica = pipeline.replicas().get(s.replica);
        KvPaging paging = paging(new int[][] {table}, new boolean[] {false});
        for (int p0 = 0; p0 < s.length; p0 += maxTokens) {
            int n = Math.min(maxTokens, s.length - p0);
            int[] ids = new int[n];
            int[] positions = new int[n];
            Arrays.fill(ids, s.id);
            for (int i = 0; i < n; i++) {
                positions[i] = p0 + i;
            }
            long id = nextRequestId++;
            send(replica, new Message.TokenBatch(id, -1, ids, positions, Arrays.copyOfRange(s.tokens, p0, p0 + n),
                    paging, ""));
            expected.put(id, List.of());
            blocks.written(table, p0, s.tokens, p0, n, pipeline.version(), s.replica, true);
            replays++;
        }
    }

    private KvPaging paging(int[][] tables, boolean[] logits) {
        return new KvPaging(blocks.numBlocks(), blocks.blockSize(), maxTokens, tables, logits);
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

    private Message.TokenBatch tokenBatch(long id, int microBatch, List<ScheduledSequence> part, String traceParent) {
        int rows = part.stream().mapToInt(ScheduledSequence::numTokens).sum();
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] tokens = new int[rows];
        int[][] tables = new int[part.size()][];
        boolean[] logits = new boolean[part.size()];
        int r = 0;
        for (int c = 0; c < part.size(); c++) {
            ScheduledSequence seq = part.get(c);
            int sequenceId = sequences.get(seq.requestId()).id;
            tables[c] = seq.blockIds();
            logits[c] = seq.sample();
            for (int i = 0; i < seq.numTokens(); i++, r++) {
                ids[r] = sequenceId;
                positions[r] = seq.startPosition() + i;
                tokens[r] = seq.tokenIds()[i];
            }
        }
        return new Message.TokenBatch(id, microBatch, ids, positions, tokens, paging(tables, logits), traceParent);
    }

    private void send(ActivePipeline.Replica replica, Message message) throws PipelineBroken {
        try {
            replica.first().send(message);
        } catch (IOException e) {
            throw new PipelineBroken("sending to " + replica.stages().getFirst().nodeId() + " failed: "
                    + e.getMessage());
        }
    }

    /** Waits for the last stage's answer to every expected batch; logits by sequence id. */
    private Map<Integer, float[]> collect(ActivePipeline pipeline, Map<Long, List<ScheduledSequence>> expected,
                                          Map<String, Span> spans) throws PipelineBroken {
        Map<Integer, float[]> logits = new HashMap<>();
        long deadline = System.nanoTime() + stepTimeout.toNanos();
        while (!expected.isEmpty()) {
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
                case Message.Logits m when expected.containsKey(m.requestId()) -> {
                    for (ScheduledSequence seq : expected.remove(m.requestId())) {
                        tracing.recordStages(spans.getOrDefault(seq.requestId(), Span.getInvalid()), m.spans());
                    }
                    for (int i = 0; i < m.sequenceIds().length; i++) {
                        logits.put(m.sequenceIds()[i], Arrays.copyOfRange(m.values(), i * m.vocabSize(),
                                (i + 1) * m.vocabSize()));
                    }
                }
                case Message.Error m -> throw new IllegalStateException("pipeline of plan " + pipeline.version()
                        + " refused batch " + m.requestId() + ": " + m.message());
                default -> {
                }
            }
        }
        return logits;
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
