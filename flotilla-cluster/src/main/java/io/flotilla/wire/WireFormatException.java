package io.flotilla.wire;

import java.io.IOException;

/**
 * A frame or payload that does not follow the protocol: names the message type, the byte offset
 * in the payload and what was expected there, and carries the error code to send the peer.
 */
public class WireFormatException extends IOException {
    private final ErrorCode code;

    public WireFormatException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
