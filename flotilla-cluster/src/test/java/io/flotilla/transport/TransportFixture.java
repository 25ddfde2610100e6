package io.flotilla.transport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.slf4j.LoggerFactory;

/** Transports on 127.0.0.1 that tests open and close, and a view of what the transport logged. */
final class TransportFixture implements AutoCloseable {
    static final String CLUSTER = "test-cluster";
    static final ClusterToken TOKEN = ClusterToken.of("correct horse battery staple");

    private final List<AutoCloseable> open = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(TcpConnection.class),
            (Logger) LoggerFactory.getLogger(TcpTransport.class));

    TransportFixture() {
        log.start();
        loggers.forEach(logger -> logger.addAppender(log));
    }

    static TransportConfig config(String nodeId) {
        return TransportConfig.loopback(nodeId, CLUSTER, TOKEN);
    }

    TcpTransport started(TransportConfig config) throws IOException {
        TcpTransport transport = new TcpTransport(config);
        open.add(transport);
        transport.start();
        return transport;
    }

    TcpTransport started(String nodeId, Optional<SSLContext> tls) throws IOException {
        TransportConfig config = config(nodeId);
        return started(tls.map(config::withTls).orElse(config));
    }

    <T extends AutoCloseable> T closeLater(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /** Every message logged so far by the transport classes. */
    List<String> logged() {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Override
    public void close() throws Exception {
        loggers.forEach(logger -> logger.detachAppender(log));
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }
}
