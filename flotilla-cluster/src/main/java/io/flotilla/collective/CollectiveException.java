package io.flotilla.collective;

import java.io.IOException;

/**
 * A collective operation failed on this worker: a peer closed its link, broke the protocol or
 * was silent past the deadline. The ring is closed afterwards; the message names the operation,
 * the worker and the peer.
 */
public class CollectiveException extends IOException {
    private final boolean timeout;

    public CollectiveException(String message, boolean timeout, Throwable cause) {
        super(message, cause);
        this.timeout = timeout;
    }

    /** Whether the operation failed because its deadline passed (rather than a peer failing). */
    public boolean timeout() {
        return timeout;
    }
}
