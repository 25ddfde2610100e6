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
        // no sort needed: one pass for the max, one to compact
        c.keepAtLeast(c.maxLogit() + (float) Math.log(p));
    }
}
