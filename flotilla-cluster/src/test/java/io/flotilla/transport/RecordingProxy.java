package io.flotilla.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Forwards one TCP connection to a target and keeps a copy of what the client sent. */
public final class RecordingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
    private volatile Socket client;
    private volatile Socket upstream;

    public RecordingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 1, target.getAddress());
        Thread.ofVirtual().start(this::run);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(target.getAddress(), listener.getLocalPort());
    }

    public byte[] clientBytes() {
        synchronized (fromClient) {
            return fromClient.toByteArray();
        }
    }

    private void run() {
        try {
            client = listener.accept();
            upstream = new Socket(target.getAddress(), target.getPort());
            Thread.ofVirtual().start(() -> pump(upstream, client, null));
            pump(client, upstream, fromClient);
        } catch (IOException e) {
            // the proxy ends with the test
        }
    }

    private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (copy != null) {
                    synchronized (copy) {
                        copy.write(buffer, 0, n);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // connection closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : new Socket[] {client, upstream}) {
            if (socket != null) {
                socket.close();
            }
        }
    }
}
