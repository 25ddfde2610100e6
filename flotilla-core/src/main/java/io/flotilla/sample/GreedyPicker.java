package io.flotilla.sample;

/** Argmax; among equal logits the lowest token id wins. */
public final class GreedyPicker implements TokenPicker {
    @Override
    public int pick(Candidates c) {
        int best = 0;
        for (int i = 1; i < c.size(); i++) {
            float a = c.logit(i);
            float b = c.logit(best);
            if (a > b || (a == b && c.id(i) < c.id(best))) {
                best = i;
            }
        }
        return c.id(best);
    }
}
