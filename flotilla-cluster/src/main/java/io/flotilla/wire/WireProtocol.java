package io.flotilla.wire;

/**
 * Constants of the node-to-node protocol.
 *
 * <p>Bump {@link #VERSION} whenever the encoding of any message other than {@link Message.Hello}
 * changes; {@code WireCodecTest} holds a golden hash per version and fails otherwise. The HELLO
 * frame (type id {@link #HELLO_TYPE_ID}, magic, version, node id, cluster name) keeps its layout in
 * every version, so that any two builds can always tell each other which version they speak.
 */
public final class WireProtocol {
    /**
     * Version of every message layout except HELLO's. 3: NODE_REPORT carries an API port, LINK_REPORT.
     * 4: TOKEN_BATCH and ACTIVATION carry the batch's paged-KV layout ({@link KvPaging}) and a trace
     * context, ACTIVATION and LOGITS the stages' {@link StageSpan}s. 5: NODE_REPORT carries the
     * highest plan number its sender has seen, and control messages through the group open with a
     * HELLO too. Peers of different versions refuse each other at HELLO, naming both versions: a
     * cluster upgrades all its nodes together.
     */
    public static final int VERSION = 5;
    /** "FLOT" read as a little-endian u32: the first field of every HELLO. */
    public static final int MAGIC = 0x544F4C46;
    /** Type byte of HELLO: never changes. */
    public static final byte HELLO_TYPE_ID = 0;
    /** Frame header: u32 payload length, u8 type, u32 CRC32C of type and payload; little-endian. */
    public static final int FRAME_HEADER_BYTES = 9;
    /** Default largest payload a peer may send. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 << 20;
    /** Bytes of a challenge nonce. */
    public static final int NONCE_BYTES = 32;

    private WireProtocol() {
    }
}
