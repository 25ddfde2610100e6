package io.flotilla.sample;

/**
 * Nucleus sampling: keeps the most likely candidates until their probability reaches p
 * (at least one); {@code p >= 1} keeps all.
 */
public final class TopPFilter implements SamplerStage {
    private final float p;

    public TopPFilter(float p) {
        this.p = p;
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if (p >= 1f) {
            return;
        }
        c.sort();
        c.softmax();
        double cumulative = 0;
        for (int i = 0; i < c.size(); i++) {
            cumulative += c.prob(i);
            if (cumulative >= p) {
                c.truncate(i + 1);
                return;
            }
        }
    }
}
