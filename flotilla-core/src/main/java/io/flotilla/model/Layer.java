package io.flotilla.model;

/**
 * One transformer block. It reads the hidden state of {@code n} tokens at positions
 * {@code [position, position + n)} from {@link Activations#x} and leaves its output there; it
 * appends those tokens' keys and values to {@code kv}, and attends over {@code kv}'s positions
 * {@code [0, position + n)}. A layer knows nothing about other layers, machines or sockets.
 */
public interface Layer {
    void forward(Activations a, KvLayer kv, int n, int position);
}
