package io.flotilla.sample;

/**
 * Picks the next token from a model's logits. Implementations keep reusable buffers and
 * are not thread-safe: use one per sequence.
 */
public interface Sampler {
    /**
     * The chosen token id. {@code logits} (one per vocabulary entry) is not modified;
     * {@code history} is read (for penalties), not updated: the caller
     * {@link TokenHistory#accept accepts} the token it keeps.
     */
    int sample(float[] logits, TokenHistory history);
}
