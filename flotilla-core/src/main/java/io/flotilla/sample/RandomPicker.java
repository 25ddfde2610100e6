package io.flotilla.sample;

/** Draws a candidate with the probability of its softmax, from a seeded generator. */
public final class RandomPicker implements TokenPicker {
    private final SplitMix64 random;

    public RandomPicker(long seed) {
        this.random = new SplitMix64(seed);
    }

    @Override
    public int pick(Candidates c) {
        c.softmax();
        double r = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < c.size(); i++) {
            cumulative += c.prob(i);
            if (r < cumulative) {
                return c.id(i);
            }
        }
        return c.id(c.size() - 1);
    }
}
