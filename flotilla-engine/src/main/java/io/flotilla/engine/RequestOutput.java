package io.flotilla.engine;

import io.flotilla.exec.TokenLogprobs;
import java.util.List;

/**
 * What one step produced for one request: its new tokens (usually one) and, on its last output,
 * why it finished and its stats. An aborted request gets a last output with no tokens.
 *
 * @param newTokenIds     tokens generated this step, in order (a stop token is included)
 * @param logprobs        one entry per new token when the request asked for logprobs, else empty
 * @param finishReason    null while the request runs
 * @param numOutputTokens tokens generated so far, including these
 * @param stats           non-null exactly when finished
 */
public record RequestOutput(
        String requestId, int[] newTokenIds, List<TokenLogprobs> logprobs,
        FinishReason finishReason, int numOutputTokens, RequestStats stats) {

    public RequestOutput {
        newTokenIds = newTokenIds.clone();
        logprobs = List.copyOf(logprobs);
    }

    public boolean finished() {
        return finishReason != null;
    }

    @Override
    public int[] newTokenIds() {
        return newTokenIds.clone();
    }

    @Override
    public String toString() {
        return "RequestOutput[" + requestId + ", new=" + java.util.Arrays.toString(newTokenIds)
                + ", outputs=" + numOutputTokens + (finishReason == null ? "" : ", finish=" + finishReason.wireName()) + "]";
    }
}
