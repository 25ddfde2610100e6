package io.flotilla.exec;

import io.flotilla.engine.SamplingParams;
import io.flotilla.sample.SampledToken;
import io.flotilla.sample.SamplerChain;
import io.flotilla.sample.SamplerConfig;
import io.flotilla.sample.TokenHistory;
import io.flotilla.sample.TokenLogprob;
import io.flotilla.sched.ScheduledSequence;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler of each request (its RNG continues across steps and preemptions) and the sampling of
 * one sequence's next token from its logits. Executors drop a request's sampler when it finishes.
 */
public final class RequestSamplers {
    private final int vocab;
    private final Map<String, Entry> entries = new HashMap<>();
    private long seedCounter = System.nanoTime();

    private record Entry(SamplerChain sampler, TokenHistory history) {
    }

    public RequestSamplers(int vocab) {
        this.vocab = vocab;
    }

    /** Forgets a finished request. */
    public void drop(String requestId) {
        entries.remove(requestId);
    }

    /** The next token of {@code seq} from the logits at {@code logits[offset, offset + vocab)}. */
    SequenceOutput sample(ScheduledSequence seq, float[] logits, int offset, float[] row) {
        System.arraycopy(logits, offset, row, 0, vocab);
        return sample(seq, row);
    }

    /** The next token of {@code seq} from {@code logits} ({@code vocab} floats). */
    public SequenceOutput sample(ScheduledSequence seq, float[] logits) {
        Entry e = entries.computeIfAbsent(seq.requestId(), id -> new Entry(sampler(seq.params()), new TokenHistory()));
        e.history.clear();
        for (int t : seq.outputTokenIds()) {
            e.history.accept(t);
        }
        int topN = seq.params().logprobs();
        if (topN == 0) {
            return SequenceOutput.of(seq.requestId(), e.sampler.sample(logits, e.history));
        }
        SampledToken t = e.sampler.sampleWithLogprobs(logits, e.history, topN);
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
        return SamplerChain.of(config, vocab);
    }
}
