package io.flotilla.train.dist;

/**
 * Lossy gradient compression with error feedback: {@link #compress} sends
 * {@code gradient + residual} and leaves in {@code residual} exactly what the payload did not
 * carry, so it is sent in a later step instead of being lost. The functions keep no state of
 * their own; the caller owns one residual buffer per gradient.
 */
public sealed interface GradientCompressor permits Bf16Compressor, Int8BlockCompressor, TopKCompressor {

    /**
     * Compresses {@code gradient + residual}; afterwards {@code residual} holds
     * {@code gradient + residual_before - decompress(payload)}.
     */
    CompressedGradient compress(float[] gradient, float[] residual);

    /** Writes the dense gradient a payload stands for into {@code out} (overwriting it). */
    void decompress(CompressedGradient payload, float[] out);

    /** Adds the payload's dense gradient to {@code out}: what an all-reduce of payloads does. */
    default void accumulate(CompressedGradient payload, float[] out, float[] scratch) {
        decompress(payload, scratch);
        for (int i = 0; i < out.length; i++) {
            out[i] += scratch[i];
        }
    }

    /** Checks the buffers agree in length. */
    static void checkLengths(float[] gradient, float[] residual) {
        if (gradient.length != residual.length) {
            throw new IllegalArgumentException("gradient has " + gradient.length + " values, residual "
                    + residual.length);
        }
    }
}
