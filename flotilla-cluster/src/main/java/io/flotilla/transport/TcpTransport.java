package io.flotilla.transport;

import io.flotilla.wire.WireFormatException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Length-prefixed frames over TCP, optionally inside TLS, every connection authenticated by the
 * cluster-token challenge. Inbound handshakes run on virtual threads, so a slow or hostile peer
 * cannot hold up others; {@link #accept()} only ever returns authenticated connections.
 */
public final class TcpTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);
    /** Inbound handshakes in flight at once; more connections are dropped until some finish. */
    static final int MAX_PENDING_HANDSHAKES = 64;

    private final TransportConfig config;
    private final BlockingQueue<Object> accepted = new LinkedBlockingQueue<>();
    private final Object closedMarker = new Object();
    private final Semaphore handshakes = new Semaphore(MAX_PENDING_HANDSHAKES);
    private volatile ServerSocket server;
    private volatile boolean closed;

    public TcpTransport(TransportConfig config) {
        this.config = config;
    }

    @Override
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is closed");
        }
        ServerSocket socket = config.tls().isPresent()
                ? config.tls().get().getServerSocketFactory().createServerSocket()
                : new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(config.bindAddress());
        server = socket;
        Thread.ofVirtual().name("flotilla-accept-" + config.nodeId()).start(this::acceptLoop);
        LOG.debug("node {} listening on {}{}", config.nodeId(), socket.getLocalSocketAddress(),
                config.tls().isPresent() ? " (TLS)" : "");
    }

    @Override
    public InetSocketAddress localAddress() {
        ServerSocket socket = server;
        if (socket == null) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is not started");
        }
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("node {} stopped accepting: {}", config.nodeId(), e.toString());
                }
                break;
            }
            if (!handshakes.tryAcquire()) {
                LOG.warn("node {} dropped inbound connection from {}: {} handshakes already pending",
                        config.nodeId(), socket.getRemoteSocketAddress(), MAX_PENDING_HANDSHAKES);
                closeQuietly(socket);
                continue;
            }
            Thread.ofVirtual().name("flotilla-handshake").start(() -> {
                try {
                    handshakeInbound(socket);
                } finally {
                    handshakes.release();
                }
            });
        }
        accepted.add(closedMarker);
    }

    private void handshakeInbound(Socket socket) {
        try {
            TcpConnection connection = open(socket);
            connection.handshake(config, Handshake.Role.ACCEPTOR);
            if (closed) {
                connection.close();
            } else {
                accepted.add(connection);
            }
        } catch (WireFormatException | AuthenticationException e) {
            closeQuietly(socket); // the connection logged the reason when it refused the peer
        } catch (IOException | RuntimeException e) {
            LOG.warn("node {} dropped inbound connection from {}: {}", config.nodeId(),
                    socket.getRemoteSocketAddress(), e.toString());
            closeQuietly(socket);
        }
    }

    @Override
    public Connection connect(InetSocketAddress peer) throws IOException {
        Socket socket = config.tls().isPresent() ? tlsClientSocket(config.tls().get(), peer) : new Socket();
        try {
            socket.connect(peer, (int) config.handshakeTimeout().toMillis());
            TcpConnection connection = open(socket);
            connection.handshake(config, Handshake.Role.CONNECTOR);
            return connection;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private static Socket tlsClientSocket(SSLContext context, InetSocketAddress peer) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        return socket;
    }

    private TcpConnection open(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) config.handshakeTimeout().toMillis());
        if (socket instanceof SSLSocket tls) {
            tls.startHandshake();
        }
        return new TcpConnection(socket, config.maxPayloadBytes());
    }

    @Override
    public Connection accept() throws IOException {
        if (server == null) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is not started");
        }
        try {
            Object next = accepted.take();
            if (next == closedMarker) {
                accepted.add(closedMarker);
                throw new SocketException("transport of node " + config.nodeId() + " is closed");
            }
            return (Connection) next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while accepting on node " + config.nodeId());
        }
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket socket = server;
        if (socket != null) {
            closeQuietly(socket);
        } else {
            accepted.add(closedMarker);
        }
        for (Object next; (next = accepted.poll()) != null; ) {
            if (next instanceof Connection connection) {
                connection.close();
            }
        }
        accepted.add(closedMarker);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {}", closeable, e);
        }
    }

    @Override
    public String toString() {
        return "TcpTransport[" + config.nodeId() + "]";
    }
}
