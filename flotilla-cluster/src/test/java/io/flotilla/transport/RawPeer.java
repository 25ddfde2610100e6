package io.flotilla.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.WireCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A socket that speaks frames without any of the transport's rules: plays the intruder in tests. */
final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;

    RawPeer(InetSocketAddress address) throws IOException {
        socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
    }

    void send(Message message) throws IOException {
        WireCodec.encode(message).writeTo(socket.getOutputStream());
        socket.getOutputStream().flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    Message receive() throws IOException {
        return WireCodec.decode(Frame.readFrom(in, 1 << 20));
    }

    void assertClosedByPeer() throws IOException {
        assertThat(in.read()).isEqualTo(-1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
