package io.flotilla.wire;

/** The type byte of each frame; ids are part of the protocol and are never reused. */
public enum MessageType {
    HELLO(WireProtocol.HELLO_TYPE_ID),
    CHALLENGE(1),
    CHALLENGE_RESPONSE(2),
    ACTIVATION(3),
    LOGITS(4),
    TOKENS(5),
    KV_REPLAY(6),
    SHARD_REQUEST(7),
    SHARD_CHUNK(8),
    PING(9),
    PONG(10),
    ERROR(11),
    CLOSE(12),
    TOKEN_BATCH(13),
    RELEASE(14),
    NODE_REPORT(15),
    STAGE_ASSIGNMENT(16),
    STAGE_READY(17),
    LINK_REPORT(18);

    private static final MessageType[] BY_ID = new MessageType[256];

    static {
        for (MessageType type : values()) {
            BY_ID[type.id & 0xFF] = type;
        }
    }

    private final byte id;

    MessageType(int id) {
        this.id = (byte) id;
    }

    public byte id() {
        return id;
    }

    /** The type with this id, or null when the id is unknown. */
    public static MessageType fromId(byte id) {
        return BY_ID[id & 0xFF];
    }
}
