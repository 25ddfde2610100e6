package io.flotilla.model;

/**
 * Perplexity as llama.cpp's {@code llama-perplexity} measures it: the token sequence (tokenized
 * once, BOS first) is cut into chunks of {@code context} tokens; each chunk is evaluated on its
 * own from an empty cache with its first token replaced by BOS, and only the predictions of the
 * second half of each chunk are scored (tokens {@code context/2 + 1 .. context-1} given their
 * prefix). {@code PPL = exp(mean negative log-likelihood)}.
 */
public final class Perplexity {
    private Perplexity() {}

    /** What one run measured. */
    public record Stats(double perplexity, double meanNll, int scoredTokens, int chunks) {}

    /**
     * @param tokens  the whole text's token ids, as tokenized with BOS
     * @param context chunk length (llama.cpp's {@code -c})
     * @param bos     the BOS id put at the start of each chunk, or -1 to leave chunks as they are
     */
    public static Stats measure(Model model, int[] tokens, int context, int bos) {
        int chunks = tokens.length / context;
        if (context < 4 || chunks < 1) {
            throw new IllegalArgumentException("perplexity needs at least one chunk of context " + context
                    + " (>= 4) tokens, got " + tokens.length + " tokens");
        }
        int vocab = model.config().vocabSize();
        int first = context / 2;
        InferenceState s = model.newState(context);
        int[] chunk = new int[context];
        double nll = 0;
        int count = 0;
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * context, chunk, 0, context);
            if (bos >= 0) {
                chunk[0] = bos;
            }
            s.reset();
            float[] logits = model.forward(s, chunk, 0, context, true); // [context × vocab]
            for (int j = first; j < context - 1; j++) {
                nll -= logProbability(logits, j * vocab, vocab, tokens[c * context + j + 1]);
                count++;
            }
        }
        double mean = nll / count;
        return new Stats(Math.exp(mean), mean, count, chunks);
    }

    /** log softmax(logits[off .. off+vocab))[token], in double. */
    static double logProbability(float[] logits, int off, int vocab, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + token] - max - Math.log(sum);
    }
}
