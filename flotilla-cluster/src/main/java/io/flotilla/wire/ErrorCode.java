package io.flotilla.wire;

/**
 * Why a request failed or a peer was disconnected. Fatal codes end the connection: the side that
 * sends one closes right after, and the side that receives one gets an exception.
 */
public enum ErrorCode {
    INTERNAL(0, false),
    NOT_FOUND(1, false),
    BAD_REQUEST(2, false),
    OVERLOADED(3, false),
    PROTOCOL_VIOLATION(100, true),
    VERSION_MISMATCH(101, true),
    AUTHENTICATION_FAILED(102, true),
    FRAME_TOO_LARGE(103, true),
    BAD_CHECKSUM(104, true),
    UNKNOWN_TYPE(105, true);

    private final short id;
    private final boolean fatal;

    ErrorCode(int id, boolean fatal) {
        this.id = (short) id;
        this.fatal = fatal;
    }

    public short id() {
        return id;
    }

    public boolean fatal() {
        return fatal;
    }

    /** The code with this id, or null when unknown. */
    public static ErrorCode fromId(short id) {
        for (ErrorCode code : values()) {
            if (code.id == id) {
                return code;
            }
        }
        return null;
    }
}
