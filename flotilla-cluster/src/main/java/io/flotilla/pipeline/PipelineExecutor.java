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

    /** Per request: its id on the wire and the chunks its KV holds. */
    private static final class Sequence {
        final int id;
        final List<int[]> chunks = new ArrayList<>();
        int length;
        long kvVersion = -1;

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

    private void release(ActivePipeline pipeline, List<Integer> ids) throws PipelineBroken {
        if (!ids.isEmpty()) {
            send(pipeline, new Message.Release(nextRequestId++, ids.stream().mapToInt(Integer::intValue).toArray()));
        }
    }

    private ModelRunnerOutput run(ActivePipeline pipeline, SchedulerOutput step) throws PipelineBroken {
        Map<Long, List<ScheduledSequence>> expected = new HashMap<>();
        List<ScheduledSequence> batch = step.sequences();
        for (ScheduledSequence seq : batch) {
            Sequence s = sequences.computeIfAbsent(seq.requestId(), id -> new Sequence(nextSequenceId++));
            if (seq.startPosition() == 0) {
                s.chunks.clear();
                s.length = 0;
            } else if (s.kvVersion != pipeline.version()) {
                replay(pipeline, s, expected);
            }
            if (s.length != seq.startPosition()) {
                throw new IllegalStateException("request " + seq.requestId() + ": chunk starts at position "
                        + seq.startPosition() + " but its KV holds " + s.length
                        + " tokens; PipelineExecutor needs prefix caching off");
            }
        }
        int microBatches = microBatches(batch.size(), pipeline.stages().size());
        for (int m = 0; m < microBatches; m++) {
            List<ScheduledSequence> part = batch.subList(m * batch.size() / microBatches,
                    (m + 1) * batch.size() / microBatches);
            long id = nextRequestId++;
            send(pipeline, tokenBatch(id, m, part));
            expected.put(id, part);
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

    /** Sends the chunks the sequence ran before, one batch each, so the new stages rebuild its KV. */
    private void replay(ActivePipeline pipeline, Sequence s, Map<Long, List<ScheduledSequence>> expected)
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
            send(pipeline, new Message.TokenBatch(id, -1, ids, positions, chunk));
            expected.put(id, List.of());
            position += chunk.length;
            replays++;
        }
        s.kvVersion = pipeline.version();
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

    private void send(ActivePipeline pipeline, Message message) throws PipelineBroken {
        try {
            pipeline.first().send(message);
        } catch (IOException e) {
            throw new PipelineBroken("sending to " + pipeline.stages().getFirst().nodeId() + " failed: "
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
