package io.flotilla.sample;

/**
 * OpenAI's frequency and presence penalties over the last N tokens:
 * {@code logit -= count * frequency + (count > 0 ? presence : 0)}.
 */
public final class FrequencyPresencePenalty implements SamplerStage {
    private final float frequency;
    private final float presence;
    private final int lastN;
    private final TokenCounts counts;

    public FrequencyPresencePenalty(float frequency, float presence, int lastN, int vocabSize) {
        this.frequency = frequency;
        this.presence = presence;
        this.lastN = lastN;
        this.counts = new TokenCounts(vocabSize);
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if ((frequency == 0f && presence == 0f) || !counts.count(history, lastN)) {
            return;
        }
        for (int i = 0; i < c.size(); i++) {
            int n = counts.get(c.id(i));
            if (n > 0) {
                c.setLogit(i, c.logit(i) - n * frequency - presence);
            }
        }
    }
}
