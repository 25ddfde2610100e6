package io.flotilla.exec;

import io.flotilla.engine.EngineConfig;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.model.Batch;
import io.flotilla.model.BatchState;
import io.flotilla.model.Model;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs each step on this machine as <b>one</b> batched forward pass of a whole {@link Model}: the
 * chunks of every scheduled sequence (prompt chunks and single decode tokens) go through each
 * weight matrix together, and attention reads each sequence's K/V through its block table from
 * one paged F16 cache ({@link BatchState}) whose blocks are the scheduler's {@code KvBlockPool}
 * blocks, id for id. So prefix caching works: a chunk that starts after a cached prefix reads the
 * prefix's blocks as another request left them.
 *
 * <p>Guarantees: a sequence's logits, hence its greedy tokens, are bit for bit those of the same
 * tokens run alone through {@link Model#forward(io.flotilla.model.InferenceState, int[], int, int,
 * boolean)}, whatever else shares the step, however its prompt is chunked, whether its prefix came
 * from the cache or it was preempted and recomputed. The executor keeps no K/V of its own: blocks
 * freed by the scheduler are simply overwritten by their next owner. Per request it keeps only the
 * sampler (and its RNG), dropped when the request finishes.
 */
public final class BatchExecutor implements Executor {
    private final Model model;
    private final BatchState state;
    private final RequestSamplers samplers;
    private final float[] row;

    /**
     * An executor for an engine with {@code config}: a paged cache of its {@code numBlocks} ×
     * {@code blockSize} positions, passes of up to its token budget.
     */
    public BatchExecutor(Model model, EngineConfig config) {
        KvCacheConfig kv = config.kvCache();
        int maxLength = config.scheduler().maxModelLength();
        if (maxLength > model.config().contextLength()) {
            throw new IllegalArgumentException("maxModelLength " + maxLength + " exceeds the model's context of "
                    + model.config().contextLength());
        }
        this.model = model;
        this.state = model.newBatchState(kv.numBlocks(), kv.blockSize(), config.scheduler().tokenBudget());
        this.samplers = new RequestSamplers(model.config().vocabSize());
        this.row = new float[model.config().vocabSize()];
    }

    /** Bytes of the paged K/V cache (all layers, F16). */
    public long kvBytes() {
        return state.kvCache().byteSize();
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        for (String id : step.finishedRequestIds()) {
            samplers.drop(id);
        }
        if (step.isEmpty()) {
            return ModelRunnerOutput.EMPTY;
        }
        List<Batch.Sequence> chunks = new ArrayList<>(step.sequences().size());
        int total = 0;
        for (ScheduledSequence seq : step.sequences()) {
            chunks.add(new Batch.Sequence(seq.startPosition(), seq.numTokens(), seq.blockIds(), seq.sample()));
            total += seq.numTokens();
        }
        int[] tokens = new int[total];
        int n = 0;
        for (ScheduledSequence seq : step.sequences()) {
            System.arraycopy(seq.tokenIds(), 0, tokens, n, seq.numTokens());
            n += seq.numTokens();
        }
        float[] logits = model.forward(state, new Batch(step.blockSize(), chunks), tokens);
        List<SequenceOutput> outputs = new ArrayList<>();
        int r = 0;
        int vocab = row.length;
        for (ScheduledSequence seq : step.sequences()) {
            if (seq.sample()) {
                outputs.add(samplers.sample(seq, logits, r++ * vocab, row));
            }
        }
        return ModelRunnerOutput.of(outputs);
    }
}
