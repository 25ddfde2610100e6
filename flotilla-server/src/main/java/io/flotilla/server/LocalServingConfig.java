package io.flotilla.server;

/**
 * How {@link LocalServedModel} runs a model on this machine.
 *
 * @param name          the model id clients send; null = the file name without {@code .gguf}
 * @param threads       compute threads
 * @param contextLength tokens per sequence; 0 = the model's, at most 4096
 * @param maxNumSeqs    most sequences stepping together (the batch)
 * @param tokenBudget   most tokens computed per step; 0 = max(512, maxNumSeqs)
 * @param kvBlocks      KV cache blocks of 16 tokens; 0 = sized from {@code kvMemory}
 * @param kvMemory      bytes of the paged F16 KV cache when {@code kvBlocks} is 0; 0 = enough for
 *                      maxNumSeqs full contexts, at most {@link #DEFAULT_KV_MEMORY}, at least one context
 * @param prefixCaching reuse the KV blocks of equal prompt prefixes (needs an executor that reads paged KV)
 */
public record LocalServingConfig(String name, int threads, int contextLength, int maxNumSeqs, int tokenBudget,
        int kvBlocks, long kvMemory, boolean prefixCaching) {

    public static final int BLOCK_SIZE = 16;
    /** Cap of the derived KV cache size: 1 GiB. */
    public static final long DEFAULT_KV_MEMORY = 1L << 30;

    public LocalServingConfig {
        if (threads < 1 || contextLength < 0 || maxNumSeqs < 1 || tokenBudget < 0 || kvBlocks < 0 || kvMemory < 0) {
            throw new IllegalArgumentException("need threads >= 1, ctx >= 0, max-num-seqs >= 1, token budget >= 0,"
                    + " kv blocks >= 0, kv memory >= 0; got threads=" + threads + " ctx=" + contextLength
                    + " max-num-seqs=" + maxNumSeqs + " token-budget=" + tokenBudget + " kv-blocks=" + kvBlocks
                    + " kv-memory=" + kvMemory);
        }
    }

    /** Defaults: the model's context (at most 4096), 16 sequences, KV sized by memory, prefix caching on. */
    public static LocalServingConfig defaults(int threads) {
        return new LocalServingConfig(null, threads, 0, 16, 0, 0, 0, true);
    }

    public LocalServingConfig withContextLength(int value) {
        return new LocalServingConfig(name, threads, value, maxNumSeqs, tokenBudget, kvBlocks, kvMemory, prefixCaching);
    }

    public LocalServingConfig withMaxNumSeqs(int value) {
        return new LocalServingConfig(name, threads, contextLength, value, tokenBudget, kvBlocks, kvMemory, prefixCaching);
    }

    public LocalServingConfig withName(String value) {
        return new LocalServingConfig(value, threads, contextLength, maxNumSeqs, tokenBudget, kvBlocks, kvMemory,
                prefixCaching);
    }

    public LocalServingConfig withKvBlocks(int value) {
        return new LocalServingConfig(name, threads, contextLength, maxNumSeqs, tokenBudget, value, kvMemory,
                prefixCaching);
    }

    public LocalServingConfig withPrefixCaching(boolean value) {
        return new LocalServingConfig(name, threads, contextLength, maxNumSeqs, tokenBudget, kvBlocks, kvMemory, value);
    }

    /** The token budget to use: the configured one, else max(512, maxNumSeqs). */
    int effectiveTokenBudget() {
        return tokenBudget > 0 ? tokenBudget : Math.max(512, maxNumSeqs);
    }

    /**
     * The KV blocks to allocate for a context of {@code ctx} tokens when one token's K and V take
     * {@code bytesPerToken} bytes: {@code kvBlocks} if set, else {@code kvMemory} worth of blocks,
     * else maxNumSeqs full contexts capped at {@link #DEFAULT_KV_MEMORY} (never below one context).
     */
    int effectiveKvBlocks(int ctx, long bytesPerToken) {
        int perSequence = (ctx + BLOCK_SIZE - 1) / BLOCK_SIZE;
        if (kvBlocks > 0) {
            return kvBlocks;
        }
        long blockBytes = bytesPerToken * BLOCK_SIZE;
        if (kvMemory > 0) {
            long blocks = kvMemory / blockBytes;
            if (blocks < perSequence) {
                throw new IllegalArgumentException("kv memory " + kvMemory + " bytes holds " + blocks + " blocks of "
                        + blockBytes + " bytes; one context of " + ctx + " tokens needs " + perSequence);
            }
            return (int) Math.min(Integer.MAX_VALUE, blocks);
        }
        long full = (long) perSequence * maxNumSeqs;
        long capped = Math.min(full, DEFAULT_KV_MEMORY / blockBytes);
        return (int) Math.max(perSequence, capped);
    }
}
