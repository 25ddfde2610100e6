package io.flotilla.engine;

/**
 * Receives a request's outputs, in order, on the engine's thread: it must return quickly (hand
 * the output to a queue or a virtual thread) and must not call the engine's step().
 */
@FunctionalInterface
public interface RequestListener {
    void onOutput(RequestOutput output);
}
