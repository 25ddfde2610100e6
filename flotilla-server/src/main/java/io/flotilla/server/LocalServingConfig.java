package io.flotilla.server;

/**
 * How {@link LocalServedModel} runs a model on this machine.
 *
 * @param name          the model id clients send; null = the file name without {@code .gguf}
 * @param threads       compute threads
 * @param contextLength tokens per sequence; 0 = the model's, at most 4096
 * @param maxNumSeqs    most sequences stepping together (the batch)
 * @param tokenBudget   most tokens computed per step; 0 = max(512, maxNumSeqs)
 * @param kvBlocks      KV cache blocks of 16 tokens; 0 = enough for maxNumSeqs full contexts
 * @param prefixCaching reuse the KV blocks of equal prompt prefixes (needs an executor that reads paged KV)
 */
public record LocalServingConfig(String name, int threads, int contextLength, int maxNumSeqs, int tokenBudget,
        int kvBlocks, boolean prefixCaching) {

    public static final int BLOCK_SIZE = 16;

    public LocalServingConfig {
        if (threads < 1 || contextLength < 0 || maxNumSeqs < 1 || tokenBudget < 0 || kvBlocks < 0) {
            throw new IllegalArgumentException("need threads >= 1, ctx >= 0, max-num-seqs >= 1, token budget >= 0,"
                    + " kv blocks >= 0; got threads=" + threads + " ctx=" + contextLength + " max-num-seqs="
                    + maxNumSeqs + " token-budget=" + tokenBudget + " kv-blocks=" + kvBlocks);
        }
    }

    /** Defaults: the model's context (at most 4096), 16 sequences, prefix caching off. */
    public static LocalServingConfig defaults(int threads) {
        return new LocalServingConfig(null, threads, 0, 16, 0, 0, false);
    }

    public LocalServingConfig withContextLength(int value) {
        return new LocalServingConfig(name, threads, value, maxNumSeqs, tokenBudget, kvBlocks, prefixCaching);
    }

    public LocalServingConfig withMaxNumSeqs(int value) {
        return new LocalServingConfig(name, threads, contextLength, value, tokenBudget, kvBlocks, prefixCaching);
    }

    public LocalServingConfig withName(String value) {
        return new LocalServingConfig(value, threads, contextLength, maxNumSeqs, tokenBudget, kvBlocks, prefixCaching);
    }

    /** The token budget to use: the configured one, else max(512, maxNumSeqs). */
    int effectiveTokenBudget() {
        return tokenBudget > 0 ? tokenBudget : Math.max(512, maxNumSeqs);
    }

    /** The KV blocks to allocate for a context of {@code ctx} tokens. */
    int effectiveKvBlocks(int ctx) {
        int perSequence = (ctx + BLOCK_SIZE - 1) / BLOCK_SIZE;
        return kvBlocks > 0 ? kvBlocks : perSequence * maxNumSeqs;
    }
}
