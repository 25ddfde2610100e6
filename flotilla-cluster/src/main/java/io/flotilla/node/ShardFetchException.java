package io.flotilla.node;

import java.io.IOException;

/**
 * Tensors of a stage could not be had from any peer: each peer's answer was refused (wrong content
 * hash, truncated stream, error, unreachable); the message names the tensor, the peers and why.
 */
public final class ShardFetchException extends IOException {
    public ShardFetchException(String message) {
        super(message);
    }

    public ShardFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
