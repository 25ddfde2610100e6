package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireFormatException;
import io.flotilla.wire.WireProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Control messages through the group: a HELLO stating the version, then the message. */
class DataLinkTest {
    private static final Message.NodeReport REPORT = new Message.NodeReport("node-b", 7, "127.0.0.1", 7001,
            "sha256:1", 1, 1 << 20, 1e9, 1e9, 0, 7);

    @Test
    void aControlMessageOfThisVersionReadsBack() throws IOException {
        assertThat(DataLink.decode("node-b", DataLink.encode(REPORT))).isEqualTo(REPORT);
    }

    @Test
    void aVersionFourPeerSendsTheBareMessageAndIsRefusedWithBothVersions() throws IOException {
        byte[] bare = frames(new Message.StageReady(3, "node-old", true, "")); // how versions up to 4 sent it
        assertThatThrownBy(() -> DataLink.decode("node-old", bare))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VERSION_MISMATCH))
                .hasMessageContaining("member node-old").hasMessageContaining("version 4 or older")
                .hasMessageContaining("speaks " + WireProtocol.VERSION);
    }

    @Test
    void anotherVersionInTheHeaderIsRefusedWithBothVersions() throws IOException {
        byte[] future = frames(new Message.Hello(WireProtocol.VERSION + 1, "", ""), REPORT);
        assertThatThrownBy(() -> DataLink.decode("node-new", future))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VERSION_MISMATCH))
                .hasMessageContaining("member node-new speaks protocol version " + (WireProtocol.VERSION + 1))
                .hasMessageContaining("this node speaks " + WireProtocol.VERSION);
    }

    @Test
    void bytesAfterTheMessageAreRefused() {
        byte[] encoded = DataLink.encode(REPORT);
        byte[] padded = Arrays.copyOf(encoded, encoded.length + 3);
        assertThatThrownBy(() -> DataLink.decode("node-b", padded)).isInstanceOf(WireFormatException.class)
                .hasMessageContaining("3 bytes left over");
    }

    private static byte[] frames(Message... messages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message m : messages) {
            WireCodec.encode(m).writeTo(out);
        }
        return out.toByteArray();
    }
}
