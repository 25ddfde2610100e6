package io.flotilla.sched;

import io.flotilla.engine.SamplingParams;

/**
 * One sequence's share of a step: compute the K/V of {@code tokenIds}, which sit at positions
 * {@code startPosition ..< startPosition + tokenIds.length}, into the slots given by
 * {@code blockIds} (position p → block {@code blockIds[p / blockSize]}, slot {@code p % blockSize});
 * positions before {@code startPosition} are already in the cache. When {@code sample} is set,
 * the last token's logits give the sequence's next token.
 *
 * @param numPromptTokens tokens of the original prompt (positions past it are generated tokens)
 * @param outputTokenIds  the tokens generated so far when the params use penalties, else empty
 */
public record ScheduledSequence(
        String requestId, int[] tokenIds, int startPosition, int[] blockIds, boolean sample,
        SamplingParams params, int numPromptTokens, int[] outputTokenIds) {

    public int numTokens() {
        return tokenIds.length;
    }

    /** Position after the last token of this chunk: the sequence's length once the step ran. */
    public int endPosition() {
        return startPosition + tokenIds.length;
    }
}
