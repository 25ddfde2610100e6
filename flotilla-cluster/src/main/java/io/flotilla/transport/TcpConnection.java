package io.flotilla.transport;

import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.MessageType;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireFormatException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Frames over one TCP (or TLS) socket. */
final class TcpConnection implements Connection, Handshake.FrameLink {
    private static final Logger LOG = LoggerFactory.getLogger(TcpConnection.class);
    private static final int BUFFER_BYTES = 64 << 10;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int maxPayloadBytes;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private volatile Message.Hello peer;
    private volatile boolean open = true;

    TcpConnection(Socket socket, int maxPayloadBytes) throws IOException {
        this.socket = socket;
        this.maxPayloadBytes = maxPayloadBytes;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES));
        this.out = new BufferedOutputStream(socket.getOutputStream(), BUFFER_BYTES);
    }

    /** Runs the handshake; on failure the socket is closed and the reason thrown. */
    void handshake(TransportConfig config, Handshake.Role role) throws IOException {
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis());
        socket.setSoTimeout(timeout);
        try {
            peer = Handshake.run(this, config, role);
            socket.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public Message.Hello peer() {
        return peer;
    }

    @Override
    public void send(Frame frame) throws IOException {
        if (frame.payload().length > maxPayloadBytes) {
            throw new IllegalArgumentException(frame.type() + " payload of " + frame.payload().length
                    + " bytes exceeds the limit of " + maxPayloadBytes);
        }
        writeLock.lock();
        try {
            frame.writeTo(out);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Frame receiveFrame() throws IOException {
        readLock.lock();
        try {
            Frame frame = read();
            if (frame.type() == MessageType.HELLO || frame.type() == MessageType.CHALLENGE
                    || frame.type() == MessageType.CHALLENGE_RESPONSE) {
                throw refuse(ErrorCode.PROTOCOL_VIOLATION, frame.type() + " after the handshake");
            }
            if (frame.type() == MessageType.ERROR && decode(frame) instanceof Message.Error error
                    && error.code().fatal()) {
                close();
                throw new PeerRejectedException(describe(), error.code(), error.message());
            }
            return frame;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public Message receive() throws IOException {
        return decode(receiveFrame());
    }

    private Message decode(Frame frame) throws IOException {
        try {
            return WireCodec.decode(frame);
        } catch (WireFormatException e) {
            throw refuse(e.code(), e.getMessage());
        }
    }

    // ---- Handshake.FrameLink ----

    @Override
    public void write(Message message) throws IOException {
        WireCodec.encode(message).writeTo(out);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public Frame read() throws IOException {
        try {
            return Frame.readFrom(in, maxPayloadBytes);
        } catch (WireFormatException e) {
            throw refuse(e.code(), e.getMessage());
        } catch (EOFException e) {
            close();
            throw new EOFException(describe() + " closed the connection");
        }
    }

    @Override
    public void introduce(Message.Hello hello) {
        peer = hello;
    }

    @Override
    public String describe() {
        Message.Hello hello = peer;
        return (hello == null ? "peer" : "node " + hello.nodeId()) + " at " + socket.getRemoteSocketAddress();
    }

    @Override
    public IOException refuse(ErrorCode code, String reason) {
        LOG.warn("disconnecting {}: {}: {}", describe(), code, reason);
        if (writeLock.tryLock()) {
            try {
                WireCodec.encode(new Message.Error(0, code, reason)).writeTo(out);
                out.flush();
            } catch (IOException | RuntimeException e) {
                LOG.debug("could not tell {} why it is disconnected", describe(), e);
            } finally {
                writeLock.unlock();
            }
        }
        close();
        return code == ErrorCode.AUTHENTICATION_FAILED
                ? new AuthenticationException(describe() + ": " + reason)
                : new WireFormatException(code, describe() + ": " + reason);
    }

    @Override
    public boolean isOpen() {
        return open && !socket.isClosed();
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing socket to {}", describe(), e);
        }
    }

    @Override
    public String toString() {
        return "TcpConnection[" + describe() + "]";
    }
}
