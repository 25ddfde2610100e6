package io.flotilla.exec;

/**
 * The log-probability of a sampled token and of the most likely alternatives, from the model's
 * distribution before sampling transforms (as OpenAI reports them).
 *
 * @param topTokenIds  most likely tokens, best first (length = requested logprobs)
 * @param topLogprobs  their log-probabilities, same order
 */
public record TokenLogprobs(int tokenId, float logprob, int[] topTokenIds, float[] topLogprobs) {

    public TokenLogprobs {
        if (topTokenIds.length != topLogprobs.length) {
            throw new IllegalArgumentException("topTokenIds has " + topTokenIds.length
                    + " entries, topLogprobs " + topLogprobs.length);
        }
        topTokenIds = topTokenIds.clone();
        topLogprobs = topLogprobs.clone();
    }

    /** The sampled token's logprob alone. */
    public static TokenLogprobs of(int tokenId, float logprob) {
        return new TokenLogprobs(tokenId, logprob, new int[0], new float[0]);
    }

    @Override
    public int[] topTokenIds() {
        return topTokenIds.clone();
    }

    @Override
    public float[] topLogprobs() {
        return topLogprobs.clone();
    }
}
