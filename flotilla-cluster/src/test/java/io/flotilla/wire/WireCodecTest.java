package io.flotilla.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WireCodecTest {
    /**
     * SHA-256 over the frames of {@link SampleMessages#all()}. When an encoding changes on purpose,
     * bump {@link WireProtocol#VERSION} and replace both constants with the version and hash printed
     * by the failing test.
     */
    private static final int GOLDEN_VERSION = 5;
    private static final String GOLDEN_HASH = "b088747d5da7f38f21e148a5da849a1f32f91e46531ea62573902ca0306b6d67";

    /** HELLO of protocol version 1 from node "n1" in cluster "c": the same bytes in every version. */
    private static final String HELLO_V1_FRAME = "0d000000" // payload length 13
            + "00" // type HELLO
            + "245fed38" // CRC32C of type and payload
            + "464c4f54" // magic "FLOT"
            + "0100" // protocol version 1
            + "0200" + "6e31" // "n1"
            + "0100" + "63"; // "c"

    @Test
    void everyMessageTypeHasASample() {
        Set<MessageType> covered = EnumSet.noneOf(MessageType.class);
        SampleMessages.all().forEach(m -> covered.add(m.type()));
        assertThat(covered).containsExactlyInAnyOrder(MessageType.values());
    }

    @Test
    void everySampleSurvivesARoundTrip() throws IOException {
        for (Message message : SampleMessages.all()) {
            Message back = WireCodec.decode(WireCodec.encode(message));
            assertThat(back).as(message.type().toString())
                    .usingRecursiveComparison().isEqualTo(SampleMessages.afterRoundTrip(message));
        }
    }

    @Test
    void encodingsMatchTheGoldenHashOfThisProtocolVersion() throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (Message message : SampleMessages.all()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            WireCodec.encode(message).writeTo(bytes);
            sha.update(bytes.toByteArray());
        }
        String hash = HexFormat.of().formatHex(sha.digest());
        assertThat(WireProtocol.VERSION + ":" + hash)
                .as("a message encoding changed: bump WireProtocol.VERSION and set GOLDEN_VERSION/GOLDEN_HASH to it")
                .isEqualTo(GOLDEN_VERSION + ":" + GOLDEN_HASH);
    }

    @Test
    void helloLayoutNeverChanges() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireCodec.encode(new Message.Hello(1, "n1", "c")).writeTo(bytes);
        assertThat(HexFormat.of().formatHex(bytes.toByteArray())).isEqualTo(HELLO_V1_FRAME);
        assertThat(MessageType.HELLO.id()).isZero();
    }

    @Test
    void helloOfAnotherVersionStillDecodes() throws IOException {
        Message.Hello future = new Message.Hello(WireProtocol.VERSION + 7, "n2", "c");
        assertThat(WireCodec.decode(WireCodec.encode(future))).isEqualTo(future);
    }

    @Test
    void frameSurvivesStreamAndRejectsCorruption() throws IOException {
        Frame frame = WireCodec.encode(SampleMessages.all().get(3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame.writeTo(out);
        byte[] wire = out.toByteArray();
        Frame back = Frame.readFrom(new DataInputStream(new ByteArrayInputStream(wire)), 1 << 20);
        assertThat(back.payload()).isEqualTo(frame.payload());

        byte[] flipped = wire.clone();
        flipped[wire.length - 3] ^= 0x10;
        assertThatThrownBy(() -> Frame.readFrom(stream(flipped), 1 << 20))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_CHECKSUM))
                .hasMessageContaining("CRC32C");
        assertThatThrownBy(() -> Frame.readFrom(stream(wire), 16))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE))
                .hasMessageContaining("exceeds the limit of 16");
        byte[] unknown = wire.clone();
        unknown[4] = (byte) 200;
        assertThatThrownBy(() -> Frame.readFrom(stream(unknown), 1 << 20))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE))
                .hasMessageContaining("unknown frame type 200");
    }

    private static DataInputStream stream(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    @Test
    void truncatedOrPaddedPayloadsNameTypeAndOffset() {
        for (Message message : SampleMessages.all()) {
            Frame frame = WireCodec.encode(message);
            byte[] payload = frame.payload();
            if (payload.length > 0) {
                byte[] cut = java.util.Arrays.copyOf(payload, payload.length - 1);
                assertThatThrownBy(() -> WireCodec.decode(new Frame(frame.type(), cut)))
                        .isInstanceOf(WireFormatException.class)
                        .hasMessageContaining(frame.type().toString()).hasMessageContaining("offset");
            }
            byte[] padded = java.util.Arrays.copyOf(payload, payload.length + 1);
            assertThatThrownBy(() -> WireCodec.decode(new Frame(frame.type(), padded)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("left over");
        }
    }

    @Test
    void randomPayloadsNeverThrowAnythingButWireFormatException() {
        Random random = new Random(7);
        List<MessageType> types = List.of(MessageType.values());
        for (int i = 0; i < 5_000; i++) {
            byte[] payload = new byte[random.nextInt(64)];
            random.nextBytes(payload);
            Frame frame = new Frame(types.get(random.nextInt(types.size())), payload);
            try {
                WireCodec.decode(frame);
            } catch (WireFormatException expected) {
                // fine: malformed input is reported, never crashes the reader
            }
        }
    }

    @Test
    void halfFloatFormatsRoundToNearest() {
        assertThat(FloatFormat.BF16.roundTrip(1.00390625f)).isEqualTo(1.0f); // halfway, rounds to even
        assertThat(FloatFormat.BF16.roundTrip(1.01171875f)).isEqualTo(1.015625f); // halfway, rounds to even (up)
        assertThat(FloatFormat.BF16.roundTrip(Float.NaN)).isNaN();
        assertThat(FloatFormat.F16.roundTrip(65504f)).isEqualTo(65504f);
        assertThat(FloatFormat.F16.roundTrip(1e6f)).isInfinite();
    }
}
