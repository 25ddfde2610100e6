package io.flotilla.wire;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One unit on the wire: {@code | u32 payload length | u8 type | u32 CRC32C(type, payload) | payload |},
 * little-endian. The CRC covers the type byte too, so a flipped type is caught like a flipped payload.
 */
public record Frame(MessageType type, byte[] payload) {
    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    /** Bytes this frame takes on the wire. */
    public int wireBytes() {
        return WireProtocol.FRAME_HEADER_BYTES + payload.length;
    }

    public static int checksum(byte type, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(type);
        crc.update(payload);
        return (int) crc.getValue();
    }

    /** Writes header and payload; the caller flushes. */
    public void writeTo(OutputStream out) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(WireProtocol.FRAME_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(payload.length).put(type.id()).putInt(checksum(type.id(), payload));
        out.write(header.array());
        out.write(payload);
    }

    /**
     * Reads one frame, checking size, type and CRC before anything is decoded.
     *
     * @throws EOFException at a clean end of stream before the first header byte
     * @throws WireFormatException if the frame is too large, of unknown type or fails its CRC
     */
    public static Frame readFrom(DataInputStream in, int maxPayloadBytes) throws IOException {
        byte[] header = new byte[WireProtocol.FRAME_HEADER_BYTES];
        in.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getInt() & 0xFFFFFFFFL;
        byte typeId = h.get();
        int expectedCrc = h.getInt();
        if (length > maxPayloadBytes) {
            throw new WireFormatException(ErrorCode.FRAME_TOO_LARGE,
                    "frame payload of " + length + " bytes exceeds the limit of " + maxPayloadBytes);
        }
        MessageType type = MessageType.fromId(typeId);
        if (type == null) {
            throw new WireFormatException(ErrorCode.UNKNOWN_TYPE, "unknown frame type " + (typeId & 0xFF));
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        int actualCrc = checksum(typeId, payload);
        if (actualCrc != expectedCrc) {
            throw new WireFormatException(ErrorCode.BAD_CHECKSUM, String.format(
                    "%s frame of %d bytes: CRC32C 0x%08x, header says 0x%08x", type, length, actualCrc, expectedCrc));
        }
        return new Frame(type, payload);
    }
}
