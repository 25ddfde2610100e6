package io.flotilla.pipeline;

import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.RequestSamplers;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs engine steps through the coordinator's pipeline of stage nodes. Each step's sequences are
 * cut into micro-batches (one per sequence, up to four per stage) and all are sent at once, so that
 * stage k works on one micro-batch while stage k+1 works on the previous; the last stage returns each
 * sequence's logits and this executor samples them as {@code LocalExecutor} does.
 *
 * <p>Surviving failures: the executor remembers every chunk each sequence ran. When the pipeline
 * breaks (a node dies, a link closes) it waits for the coordinator's next plan, replays each
 * sequence's chunks on it (the new stages start empty) and runs the step again: the same chunks in
 * the same order give the same KV, so the output equals an uninterrupted run. Like
 * {@code LocalExecutor}, it needs prefix caching off.
 *
 * <p>Replicas: when the plan has several pipelines, each sequence is placed on the least loaded one
 * (fewest sequences) when it starts or when a new plan starts, and stays there; every step sends
 * each replica its own micro-batches. A replica that breaks breaks the plan: the coordinator re-plans
 * and every sequence is replayed, each on the least loaded replica of the new plan.
 */
public final class PipelineExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineExecutor.class);

    private final Coordinator coordinator;
    private final Duration planTimeout;
    private final Duration stepTimeout;
    private final Map<String, Sequence> sequences = new HashMap<>();
    private int nextSequenceId;
    private long nextRequestId = 1;
    private RequestSamplers samplers; // made at the first step: the vocabulary is known once the coordinator started
    private int replays;
    private final Map<String, Long> tokensByReplica = new java.util.TreeMap<>();

    /** Per request: its id on the wire, the chunks its KV holds and the replica that holds it. */
    private static final class Sequence {
        final int id;
        final List<int[]> chunks = new ArrayList<>();
        int length;
        long kvVersion = -1;
        int replica;

        Sequence(int id) {
            this.id = id;
        }
    }

    /** Thrown inside a step when the pipeline it used broke. */
    private static final class PipelineBroken extends Exception {
        PipelineBroken(String message) {
            super(message);
        }
    }

    /**
     * @param planTimeout how long a step waits for a (re-)plan before failing
     * @param stepTimeout how long a step waits for results on an unchanged plan before declaring it broken
     */
    public PipelineExecutor(Coordinator coordinator, Duration planTimeout, Duration stepTimeout) {
        this.coordinator = coordinator;
        this.planTimeout = planTimeout;
        this.stepTimeout = stepTimeout;
    }

    /** Tokens sent to each replica so far (replays excluded), by the node id of its first stage. */
    public Map<String, Long> tokensByReplica() {
        return Map.copyOf(tokensByReplica);
    }

    /** Chunks replayed after failures so far (for tests and stats). */
    public int replays() {
        return replays;
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        List<Integer> released = new ArrayList<>();
        step.finishedRequestIds().forEach(id -> {
            Sequence s = sequences.remove(id);
            if (samplers != null) {
                samplers.drop(id);
            }
            if (s != null) {
                released.add(s.id);
            }
        });
        step.preemptedRequestIds().forEach(id -> {
            Sequence s = sequences.get(id);
            if (s != null) { // keep the sampler: its RNG continues where it was
                released.add(s.id);
                s.chunks.clear();
                s.length = 0;
            }
        });
        long after = -1;
        while (true) {
            ActivePipeline pipeline = await(after);
            try {
                release(pipeline, released);
                released.clear();
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

    /** Drops the sequences' states on every replica (a replica ignores sequences it does not hold). */
    private void release(ActivePipeline pipeline, List<Integer> ids) throws PipelineBroken {
        if (!ids.isEmpty()) {
            int[] sequenceIds = ids.stream().mapToInt(Integer::intValue).toArray();
            for (ActivePipeline.Replica replica : pipeline.replicas()) {
                send(replica, new Message.Release(nextRequestId++, sequenceIds));
            }
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
                if (seq.startPosition() > 0) {
                    replay(pipeline.replicas().get(s.replica), s, expected);
                }
            }
            if (seq.startPosition() == 0) {
                s.chunks.clear();
                s.length = 0;
            }
            if (s.length != seq.startPosition()) {
                throw new IllegalStateException("request " + seq.requestId() + ": chunk starts at position "
                        + seq.startPosition() + " but its KV holds " + s.length
                        + " tokens; PipelineExecutor needs prefix caching off");
            }
        }
        for (int r = 0; r < pipeline.replicas().size(); r++) {
            ActivePipeline.Replica replica = pipeline.replicas().get(r);
            int index = r;
            List<ScheduledSequence> mine = batch.stream()
                    .filter(seq -> sequences.get(seq.requestId()).replica == index).toList();
            int microBatches = microBatches(mine.size(), replica.stages().size());
            for (int m = 0; m < microBatches; m++) {
                List<ScheduledSequence> part = mine.subList(m * mine.size() / microBatches,
                        (m + 1) * mine.size() / microBatches);
                long id = nextRequestId++;
                send(replica, tokenBatch(id, m, part));
                expected.put(id, part);
                tokensByReplica.merge(replica.stages().getFirst().nodeId(),
                        part.stream().mapToLong(ScheduledSequence::numTokens).sum(), Long::sum);
            }
        }
        Map<Integer, float[]> logits = collect(pipeline, expected);
        List<SequenceOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : batch) {
            Sequence s = sequences.get(seq.requestId());
            s.chunks.add(seq.tokenIds().clone());
            s.length = seq.endPosition();
            s.kvVersion = pipeline.version();
            if (seq.sample()) {
                outputs.add(samplers().sample(seq, logits.get(s.id)));
            }
        }
        return ModelRunnerOutput.of(outputs);
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

    /** Sends the chunks the sequence ran before, one batch each, so the new stages rebuild its KV. */
    private void replay(ActivePipeline.Replica replica, Sequence s, Map<Long, List<ScheduledSequence>> expected)
            throws PipelineBroken {
        int position = 0;
        for (int[] chunk : s.chunks) {
            long id = nextRequestId++;
            int[] ids = new int[chunk.length];
            int[] positions = new int[chunk.length];
            java.util.Arrays.fill(ids, s.id);
            for (int i = 0; i < chunk.length; i++) {
                positions[i] = position + i;
            }
            send(replica, new Message.TokenBatch(id, -1, ids, positions, chunk));
            expected.put(id, List.of());
            position += chunk.length;
            replays++;
        }
    }

    private Message.TokenBatch tokenBatch(long id, int microBatch, List<ScheduledSequence> part) {
        int rows = part.stream().mapToInt(ScheduledSequence::numTokens).sum();
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] tokens = new int[rows];
        int r = 0;
        for (ScheduledSequence seq : part) {
            int sequenceId = sequences.get(seq.requestId()).id;
            for (int i = 0; i < seq.numTokens(); i++, r++) {
                ids[r] = sequenceId;
                positions[r] = seq.startPosition() + i;
                tokens[r] = seq.tokenIds()[i];
            }
        }
        return new Message.TokenBatch(id, microBatch, ids, positions, tokens);
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
    private Map<Integer, float[]> collect(ActivePipeline pipeline, Map<Long, List<ScheduledSequence>> expected)
            throws PipelineBroken {
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
                case Message.Logits m when expected.remove(m.requestId()) != null -> {
                    for (int i = 0; i < m.sequenceIds().length; i++) {
                        logits.put(m.sequenceIds()[i], java.util.Arrays.copyOfRange(m.values(), i * m.vocabSize(),
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
