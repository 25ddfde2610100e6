package io.flotilla.model;

/** The feed-forward half of a block: reads {@link Activations#xb}, writes {@link Activations#xb2}, n tokens. */
public sealed interface FeedForward permits SwiGluFeedForward, MoeFeedForward {
    void forward(Activations a, int n);
}
