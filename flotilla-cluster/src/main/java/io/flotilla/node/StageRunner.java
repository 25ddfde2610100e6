package io.flotilla.node;

import io.flotilla.model.Batch;
import io.flotilla.model.BatchState;
import io.flotilla.model.ModelStage;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.FloatFormat;
import io.flotilla.wire.KvPaging;
import io.flotilla.wire.Message;
import io.flotilla.wire.StageSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's share of a pipeline: runs its {@link ModelStage} on each incoming batch as one batched
 * pass over a paged K/V store of its own layers ({@link BatchState}), and returns what goes to the
 * next hop: hidden states, or on the last stage the logits of the chunks that ask for them.
 *
 * <p>The store's blocks are the coordinator's block ids ({@link KvPaging}): a chunk writes the slots
 * of its positions and reads the positions before it as earlier batches left them, whichever
 * sequence wrote them. So a prompt whose prefix blocks another request computed on this stage
 * starts after that prefix, and this runner keeps no per-sequence state at all. Rows of one chunk
 * are contiguous and at consecutive positions. When a batch carries a trace context the runner
 * times its pass and appends a {@link StageSpan}.
 */
final class StageRunner {
    private final String nodeId;
    private final ModelStage stage;
    private final int dim;
    private final int vocab;
    private final int contextLength;
    private final long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private BatchState state;
    private KvPaging store = KvPaging.NONE;

    StageRunner(String nodeId, ModelStage stage, int dim, int vocab, int contextLength) {
        this.nodeId = nodeId;
        this.stage = stage;
        this.dim = dim;
        this.vocab = vocab;
        this.contextLength = contextLength;
    }

    ModelStage stage() {
        return stage;
    }

    /** The message for the next hop, or an ERROR naming what was wrong with {@code in}. */
    Message process(Message in) {
        try {
            return switch (in) {
                case Message.TokenBatch m -> run(new Rows(m.requestId(), m.microBatchId(), m.sequenceIds(),
                        m.positions(), m.tokens(), null, m.paging(), m.traceParent(), List.of()));
                case Message.Activation m -> run(new Rows(m.requestId(), m.microBatchId(), m.sequenceIds(),
                        m.positions(), null, m.values(), m.paging(), m.traceParent(), m.spans()));
                case Message.Release m -> m; // nothing per sequence to drop
                case Message.Error m -> m;
                default -> new Message.Error(0, ErrorCode.BAD_REQUEST, "stage [" + stage.firstLayer() + ", "
                        + stage.lastLayer() + ") cannot run a " + in.type() + " message");
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            long id = in instanceof Message.TokenBatch t ? t.requestId()
                    : in instanceof Message.Activation a ? a.requestId() : 0;
            return new Message.Error(id, ErrorCode.BAD_REQUEST, "stage [" + stage.firstLayer() + ", "
                    + stage.lastLayer() + "): " + e.getMessage());
        }
    }

    /** A batch as it arrived: {@code tokens} on the first stage, else {@code hidden} rows of dim floats. */
    private record Rows(long requestId, int microBatch, int[] sequenceIds, int[] positions, int[] tokens,
                        float[] hidden, KvPaging paging, String traceParent, List<StageSpan> spans) {
    }

    private Message run(Rows in) {
        if (stage.isFirst() != (in.tokens() != null)) {
            throw new IllegalArgumentException(stage.isFirst() ? "the first stage takes tokens, got hidden states"
                    : "a middle stage takes hidden states, got tokens");
        }
        long start = System.nanoTime();
        BatchState s = stateFor(in.paging());
        Batch batch = batch(in);
        int n = in.positions().length;
        float[] hidden = new float[n * dim];
        if (in.tokens() != null) {
            stage.embed(in.tokens(), 0, n, hidden);
        } else {
            System.arraycopy(in.hidden(), 0, hidden, 0, n * dim);
        }
        stage.forward(s, batch, hidden);
        List<StageSpan> spans = in.spans();
        if (!in.traceParent().isEmpty()) {
            spans = new ArrayList<>(spans);
            spans.add(new StageSpan(nodeId, stage.firstLayer(), stage.lastLayer(), n, start + epochOffsetNanos,
                    System.nanoTime() + epochOffsetNanos));
        }
        if (!stage.isLast()) {
            return new Message.Activation(in.requestId(), in.microBatch(), in.sequenceIds(), in.positions(), dim,
                    FloatFormat.F32, hidden, in.paging(), in.traceParent(), spans);
        }
        int[] ids = logitIds(in);
        float[] logits = ids.length == 0 ? new float[0]
                : java.util.Arrays.copyOf(stage.logits(s, batch, hidden), ids.length * vocab);
        return new Message.Logits(in.requestId(), in.microBatch(), ids, vocab, FloatFormat.F32, logits, spans);
    }

    /** The batch's chunks: runs of rows of one sequence at consecutive positions, one per block table. */
    private Batch batch(Rows in) {
        int[] ids = in.sequenceIds();
        int[] positions = in.positions();
        KvPaging paging = in.paging();
        List<Batch.Sequence> chunks = new ArrayList<>(paging.chunks());
        for (int r0 = 0; r0 < ids.length; ) {
            int r1 = r0 + 1;
            while (r1 < ids.length && ids[r1] == ids[r0]) {
                if (positions[r1] != positions[r1 - 1] + 1) {
                    throw new IllegalArgumentException("sequence " + ids[r0] + ": positions " + positions[r1 - 1]
                            + " then " + positions[r1] + " are not consecutive");
                }
                r1++;
            }
            int c = chunks.size();
            if (c >= paging.chunks()) {
                throw new IllegalArgumentException("batch " + in.requestId() + " has more chunks than its "
                        + paging.chunks() + " block tables");
            }
            if (positions[r1 - 1] >= contextLength) {
                throw new IllegalArgumentException("sequence " + ids[r0] + " reaches position " + positions[r1 - 1]
                        + " beyond the context of " + contextLength);
            }
            chunks.add(new Batch.Sequence(positions[r0], r1 - r0, paging.blockTables()[c], paging.logits()[c]));
            r0 = r1;
        }
        if (chunks.size() != paging.chunks()) {
            throw new IllegalArgumentException("batch " + in.requestId() + " has " + chunks.size() + " chunks but "
                    + paging.chunks() + " block tables");
        }
        return new Batch(paging.blockSize(), chunks);
    }

    /** The paged store of {@code paging}'s shape: made at the first batch, again if the shape changes. */
    private BatchState stateFor(KvPaging paging) {
        if (paging.numBlocks() < 1) {
            throw new IllegalArgumentException("a batch without a paged K/V layout (protocol version 3 needs one)");
        }
        if (state == null || !store.sameStore(paging)) {
            state = stage.newBatchState(paging.numBlocks(), paging.blockSize(), paging.maxTokens());
            store = paging;
        }
        return state;
    }

    /** Sequence ids of the chunks whose logits the last stage returns, in batch order. */
    private static int[] logitIds(Rows in) {
        List<Integer> ids = new ArrayList<>();
        int c = 0;
        for (int r = 0; r < in.sequenceIds().length; r++) {
            if (r + 1 == in.sequenceIds().length || in.sequenceIds()[r + 1] != in.sequenceIds()[r]) {
                if (in.paging().logits()[c++]) {
                    ids.add(in.sequenceIds()[r]);
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
