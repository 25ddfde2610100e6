package io.flotilla.exec;

import io.flotilla.kvcache.KvStorage;
import io.flotilla.kvcache.KvStorageSpec;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in model that uses the paged {@link KvStorage} the way attention does. For each token
 * it computes, it writes at the token's slot K = (token, position) and V = (c, 0), where c chains
 * the whole prefix: {@code c(p) = (31 c(p-1) + token(p) + 7) mod 2^24}. Before computing a chunk
 * it reads every earlier position of the sequence through the block table and checks positions
 * and the chain, and the sampled token is a function of c at the last position. So any block
 * table that points at the wrong block, a shared block that was overwritten, or a cached prefix
 * that was not what it claimed either throws here or changes the output.
 */
public final class FingerprintExecutor implements Executor {
    private static final int MOD = 1 << 24;
    private final KvStorage storage;
    private final int blockSize;
    public long positionsVerified;

    public FingerprintExecutor(int numBlocks, int blockSize) {
        this.storage = new KvStorage(new KvStorageSpec(1, numBlocks, blockSize, 1, 2));
        this.blockSize = blockSize;
    }

    /** The chain value after {@code tokens}: what the sampled token is derived from. */
    public static int chain(int previous, int token) {
        return Math.floorMod(31L * previous + token + 7, MOD);
    }

    /** The token sampled after a prefix whose chain value is c. */
    public static int tokenFor(int c) {
        return 100 + c % 1000;
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        List<SequenceOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : step.sequences()) {
            int c = verifyPrefix(seq);
            for (int i = 0; i < seq.numTokens(); i++) {
                int p = seq.startPosition() + i;
                c = chain(c, seq.tokenIds()[i]);
                int at = storage.offset(slot(seq, p), 0);
                storage.keys(0)[at] = seq.tokenIds()[i];
                storage.keys(0)[at + 1] = p;
                storage.values(0)[at] = c;
            }
            if (seq.sample()) {
                outputs.add(SequenceOutput.of(seq.requestId(), tokenFor(c)));
            }
        }
        return ModelRunnerOutput.of(outputs);
    }

    /** Reads positions [0, start) through the block table; returns the chain value at start - 1. */
    private int verifyPrefix(ScheduledSequence seq) {
        int c = 0;
        for (int p = 0; p < seq.startPosition(); p++) {
            int at = storage.offset(slot(seq, p), 0);
            int token = (int) storage.keys(0)[at];
            int position = (int) storage.keys(0)[at + 1];
            int stored = (int) storage.values(0)[at];
            c = chain(c, token);
            if (position != p || stored != c) {
                throw new IllegalStateException("request " + seq.requestId() + " reads position " + p + " from slot "
                        + slot(seq, p) + ": found position " + position + ", chain " + stored + ", expected " + c);
            }
            positionsVerified++;
        }
        return c;
    }

    private int slot(ScheduledSequence seq, int position) {
        int block = position / blockSize;
        if (block >= seq.blockIds().length) {
            throw new IllegalStateException("request " + seq.requestId() + ": position " + position
                    + " outside its " + seq.blockIds().length + " blocks");
        }
        return seq.blockIds()[block] * blockSize + position % blockSize;
    }
}
