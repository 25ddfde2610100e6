package io.flotilla.model;

/**
 * One transformer block. It reads the hidden state of {@code n} tokens from {@link Activations#x}
 * and leaves its output there; the tokens' positions and KV slots are in {@link Activations#layout}
 * (one sequence or several). It stores those tokens' keys and values in {@code kv} at their slots
 * and each token attends over its own sequence's positions up to its own. A layer knows nothing
 * about other layers, machines or sockets.
 */
public interface Layer {
    void forward(Activations a, KvLayer kv, int n);
}
