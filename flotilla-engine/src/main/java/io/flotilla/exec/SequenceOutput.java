package io.flotilla.exec;

import java.util.List;

/**
 * The tokens sampled for one sequence in one step: one token normally (several only when a
 * speculative verifier accepts drafts), with their logprobs when the request asked for them.
 */
public record SequenceOutput(String requestId, int[] sampledTokenIds, List<TokenLogprobs> logprobs) {

    public SequenceOutput {
        if (sampledTokenIds.length == 0) {
            throw new IllegalArgumentException("no sampled token for request " + requestId);
        }
        if (!logprobs.isEmpty() && logprobs.size() != sampledTokenIds.length) {
            throw new IllegalArgumentException("request " + requestId + ": " + sampledTokenIds.length
                    + " tokens but " + logprobs.size() + " logprobs");
        }
        sampledTokenIds = sampledTokenIds.clone();
        logprobs = List.copyOf(logprobs);
    }

    public static SequenceOutput of(String requestId, int tokenId) {
        return new SequenceOutput(requestId, new int[] {tokenId}, List.of());
    }

    @Override
    public int[] sampledTokenIds() {
        return sampledTokenIds.clone();
    }

    public int numTokens() {
        return sampledTokenIds.length;
    }

    public int token(int index) {
        return sampledTokenIds[index];
    }
}
