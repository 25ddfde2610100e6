package io.flotilla.exec;

import io.flotilla.engine.SamplingParams;
import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.sample.SampledToken;
import io.flotilla.sample.SamplerChain;
import io.flotilla.sample.SamplerConfig;
import io.flotilla.sample.TokenHistory;
import io.flotilla.sample.TokenLogprob;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs steps on this machine with a whole {@link Model}, one scheduled sequence after another,
 * then samples with a {@link SamplerChain} per request.
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
    private long seedCounter = System.nanoTime();

    /** Per request: its state while it holds KV, its sampler (and RNG) until it finishes. */
    private static final class Sequence {
        InferenceState state;
        final SamplerChain sampler;
        final TokenHistory history = new TokenHistory();

        Sequence(SamplerChain sampler) {
            this.sampler = sampler;
        }
    }

    /** @param contextLength positions per sequence state: the engine's maxModelLength */
    public LocalExecutor(Model model, int contextLength) {
        if (contextLength <= 0 || contextLength > model.config().contextLength()) {
            throw new IllegalArgumentException("contextLength must be in 1.." + model.config().contextLength()
                    + " (the model's), got " + contextLength);
        }
        this.model = model;
        this.contextLength = contextLength;
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        for (String id : step.finishedRequestIds()) {
            Sequence s = sequences.remove(id);
            if (s != null) {
                releaseState(s);
            }
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
        Sequence s = sequences.computeIfAbsent(seq.requestId(), id -> new Sequence(sampler(seq.params())));
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
        s.history.clear();
        for (int t : seq.outputTokenIds()) {
            s.history.accept(t);
        }
        int topN = seq.params().logprobs();
        if (topN == 0) {
            return SequenceOutput.of(seq.requestId(), s.sampler.sample(logits, s.history));
        }
        SampledToken t = s.sampler.sampleWithLogprobs(logits, s.history, topN);
        int[] ids = new int[t.top().size()];
        float[] lps = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            TokenLogprob top = t.top().get(i);
            ids[i] = top.token();
            lps[i] = top.logprob();
        }
        return new SequenceOutput(seq.requestId(), new int[] {t.token()},
                List.of(new TokenLogprobs(t.token(), t.logprob(), ids, lps)));
    }

    /**
     * The request's sampler. Presence and frequency penalties count the generated tokens only (as
     * OpenAI defines them); the repetition penalty looks at the same history.
     */
    private SamplerChain sampler(SamplingParams p) {
        long seed = p.seed() != null ? p.seed() : seedCounter++;
        SamplerConfig config = new SamplerConfig(p.temperature(), p.topK(), p.topP(), p.minP(), p.repetitionPenalty(),
                -1, p.frequencyPenalty(), p.presencePenalty(), seed);
        return SamplerChain.of(config, model.config().vocabSize());
    }

    private void releaseState(Sequence s) {
        if (s.state != null) {
            spareStates.push(s.state);
            s.state = null;
        }
    }
}
