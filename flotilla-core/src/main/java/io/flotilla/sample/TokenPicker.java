package io.flotilla.sample;

/** The last step of a {@link SamplerChain}: chooses one of the remaining candidates. */
public sealed interface TokenPicker permits GreedyPicker, RandomPicker {
    /** The chosen token id. */
    int pick(Candidates candidates);
}
