package io.flotilla.sample;

/** Keeps the k most likely candidates, sorted; {@code k <= 0} keeps all. */
public final class TopKFilter implements SamplerStage {
    private final int k;

    public TopKFilter(int k) {
        this.k = k;
    }

    @Override
    public void apply(Candidates c, TokenHistory history) {
        if (k > 0 && k < c.size()) {
            c.sortFirst(k);
        }
    }
}
