package io.flotilla.exec;

import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs steps on this machine with a whole {@link Model}, one scheduled sequence after another,
 * then samples with a sampler chain per request.
 *
 * <p>Interim form: each running sequence keeps its own contiguous {@link InferenceState} (the
 * model's KV cache) rather than reading the paged {@code KvStorage} through its block table. So
 * the scheduler's block pool only budgets memory, and <b>prefix caching must be off</b>: a cached
 * prefix names K/V this executor never computed for the sequence ({@link #execute} refuses a
 * chunk that does not start where the sequence's state is). States are recycled between requests.
 */
public final class LocalExecutor implements Executor {
    private final Model model;
    private final int contextLength;
    private final Map<String, Sequence> sequences = new HashMap<>();
    private final ArrayDeque<InferenceState> spareStates = new ArrayDeque<>();
    private final RequestSamplers samplers;

    /** Per request: its state while it holds KV. */
    private static final class Sequence {
        InferenceState state;
    }

    /** @param contextLength positions per sequence state: the engine's maxModelLength */
    public LocalExecutor(Model model, int contextLength) {
        if (contextLength <= 0 || contextLength > model.config().contextLength()) {
            throw new IllegalArgumentException("contextLength must be in 1.." + model.config().contextLength()
                    + " (the model's), got " + contextLength);
        }
        this.model = model;
        this.contextLength = contextLength;
        this.samplers = new RequestSamplers(model.config().vocabSize());
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        for (String id : step.finishedRequestIds()) {
            Sequence s = sequences.remove(id);
            if (s != null) {
                releaseState(s);
            }
            samplers.drop(id);
        }
        for (String id : step.preemptedRequestIds()) {
            Sequence s = sequences.get(id);
            if (s != null) {
                releaseState(s); // keep the sampler: its RNG continues where it was
            }
        }
        List<SequenceOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : step.sequences()) {
            SequenceOutput out = run(seq);
            if (out != null) {
                outputs.add(out);
            }
        }
        return ModelRunnerOutput.of(outputs);
    }

    /** Number of states held by running sequences (for tests and stats). */
    public int numStates() {
        return (int) sequences.values().stream().filter(s -> s.state != null).count();
    }

    private SequenceOutput run(ScheduledSequence seq) {
        Sequence s = sequences.computeIfAbsent(seq.requestId(), id -> new Sequence());
        if (s.state == null) {
            s.state = spareStates.isEmpty() ? model.newState(contextLength) : spareStates.pop();
            s.state.reset();
        }
        if (seq.startPosition() == 0) {
            s.state.reset();
        }
        if (s.state.position() != seq.startPosition()) {
            throw new IllegalStateException("request " + seq.requestId() + ": chunk starts at position "
                    + seq.startPosition() + " but its state holds " + s.state.position()
                    + " tokens; LocalExecutor needs prefix caching off");
        }
        float[] logits = model.forward(s.state, seq.tokenIds(), 0, seq.numTokens(), false);
        if (!seq.sample()) {
            return null;
        }
        return samplers.sample(seq, logits);
    }

    private void releaseState(Sequence s) {
        if (s.state != null) {
            spareStates.push(s.state);
            s.state = null;
        }
    }
}
