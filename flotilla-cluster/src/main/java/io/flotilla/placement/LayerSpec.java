package io.flotilla.placement;

import java.util.Objects;

/**
 * What one block of the model costs, per generated token.
 *
 * @param weightBytes       bytes of weights resident on the node that runs it
 * @param flopsPerToken     floating-point operations per token (2 × multiply-adds)
 * @param bytesReadPerToken bytes streamed from memory per token (usually the weights)
 * @param kvBytesPerToken   KV-cache bytes per token of context (0 for embedding and output)
 * @param weightType        name of the weight format (e.g. "Q8_0", "F16"), to look up matmul speed
 */
public record LayerSpec(long weightBytes, double flopsPerToken, long bytesReadPerToken, long kvBytesPerToken,
                        String weightType) {
    public LayerSpec {
        Objects.requireNonNull(weightType, "weightType");
        if (weightBytes < 0 || flopsPerToken < 0 || bytesReadPerToken < 0 || kvBytesPerToken < 0) {
            throw new IllegalArgumentException("layer costs must be >= 0, got weights " + weightBytes + " B, "
                    + flopsPerToken + " flops, " + bytesReadPerToken + " B read, KV " + kvBytesPerToken + " B");
        }
    }
}
