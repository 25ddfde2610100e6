package io.flotilla.sample;

/**
 * Drops candidates whose probability is below {@code p} times the most likely one's
 * (in logits: below {@code max + ln p}); {@code p <= 0} keeps all.
 */
public final class MinPFilter implements SamplerStage {
    private final float p;

    public MinPFilter(float p) {
        this.p = p;
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if (p <= 0f) {
            return;
        }
        c.sort();
        float threshold = c.logit(0) + (float) Math.log(p);
        int keep = 1;
        while (keep < c.size() && c.logit(keep) >= threshold) {
            keep++;
        }
        c.truncate(keep);
    }
}
