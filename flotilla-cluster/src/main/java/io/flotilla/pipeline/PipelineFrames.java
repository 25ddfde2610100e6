package io.flotilla.pipeline;

import io.flotilla.sched.ScheduledSequence;
import io.flotilla.wire.KvPaging;
import io.flotilla.wire.Message;
import java.util.Arrays;
import java.util.List;

/**
 * Makes the {@code TOKEN_BATCH} frames {@link PipelineExecutor} sends to a replica's first stage:
 * a micro-batch of scheduled chunks, or a replay of a sequence's tokens into its blocks. Every frame
 * carries the stages' paged-store geometry and each chunk's block table ({@link KvPaging}).
 */
record PipelineFrames(int numBlocks, int blockSize, int maxTokens) {

    /** The micro-batch of {@code parts}: their chunks' rows in order, logits for those that sample. */
    Message.TokenBatch microBatch(long id, int index, List<PipelineStep.Part> parts, String traceParent) {
        int rows = parts.stream().mapToInt(p -> p.chunk().numTokens()).sum();
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] tokens = new int[rows];
        int[][] tables = new int[parts.size()][];
        boolean[] logits = new boolean[parts.size()];
        int r = 0;
        for (int c = 0; c < parts.size(); c++) {
            ScheduledSequence seq = parts.get(c).chunk();
            tables[c] = seq.blockIds();
            logits[c] = seq.sample();
            for (int i = 0; i < seq.numTokens(); i++, r++) {
                ids[r] = parts.get(c).sequence().id;
                positions[r] = seq.startPosition() + i;
                tokens[r] = seq.tokenIds()[i];
            }
        }
        return new Message.TokenBatch(id, index, ids, positions, tokens, paging(tables, logits), traceParent);
    }

    /** Positions {@code [from, from + n)} of {@code s} again, into the blocks of {@code table}, without logits. */
    Message.TokenBatch replay(long id, PipelineSequence s, int[] table, int from, int n) {
        int[] ids = new int[n];
        int[] positions = new int[n];
        Arrays.fill(ids, s.id);
        for (int i = 0; i < n; i++) {
            positions[i] = from + i;
        }
        return new Message.TokenBatch(id, -1, ids, positions, Arrays.copyOfRange(s.tokens, from, from + n),
                paging(new int[][] {table}, new boolean[] {false}), "");
    }

    private KvPaging paging(int[][] tables, boolean[] logits) {
        return new KvPaging(numBlocks, blockSize, maxTokens, tables, logits);
    }
}
