package io.flotilla.transport;

import io.flotilla.wire.ErrorCode;
import java.io.IOException;

/** The peer closed the connection and said why (a fatal {@code Error} frame). */
public class PeerRejectedException extends IOException {
    private final ErrorCode code;

    public PeerRejectedException(String peer, ErrorCode code, String reason) {
        super(peer + " closed the connection: " + code + ": " + reason);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
