package io.flotilla.generate;

/**
 * The outcome of one generation: the generated text (without the prompt), the generated token
 * ids, why it stopped ({@code stop} or {@code length}) and how long prefill and decode took.
 */
public record GenerationResult(String text, int[] tokens, int promptTokens, String finishReason,
                               long prefillNanos, long decodeNanos) {

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** Decode speed over the tokens after the first (the first comes out of prefill). */
    public double decodeTokensPerSecond() {
        int decoded = Math.max(0, tokens.length - 1);
        return decodeNanos == 0 ? 0 : decoded * 1e9 / decodeNanos;
    }
}
