package io.flotilla.sample;

/**
 * llama.cpp's repetition penalty: for each token seen in the last N, a positive logit is
 * divided by the penalty and a negative one multiplied by it (both make it less likely).
 */
public final class RepetitionPenalty implements SamplerStage {
    private final float penalty;
    private final int lastN;
    private final TokenCounts counts;

    public RepetitionPenalty(float penalty, int lastN, int vocabSize) {
        this.penalty = penalty;
        this.lastN = lastN;
        this.counts = new TokenCounts(vocabSize);
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if (penalty == 1f || !counts.count(history, lastN)) {
            return;
        }
        for (int i = 0; i < c.size(); i++) {
            if (counts.get(c.id(i)) > 0) {
                float logit = c.logit(i);
                c.setLogit(i, logit <= 0 ? logit * penalty : logit / penalty);
            }
        }
    }
}
