package io.flotilla.server;

import java.util.Objects;

/**
 * Settings of the HTTP server.
 *
 * @param host              address to bind (127.0.0.1 by default: reachable from this machine only)
 * @param port              TCP port; 0 = any free port (see {@link FlotillaServer#port()})
 * @param apiKeys           keys and tenants; {@link ApiKeys#open()} lets everyone in
 * @param maxQueuedRequests most engine requests (choices) running or waiting at once; more get 503 with Retry-After
 * @param traceExporter     OpenTelemetry exporter: {@code none} or {@code logging}
 */
public record ServerConfig(String host, int port, ApiKeys apiKeys, int maxQueuedRequests, String traceExporter) {

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(apiKeys, "apiKeys");
        Objects.requireNonNull(traceExporter, "traceExporter");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxQueuedRequests < 1) {
            throw new IllegalArgumentException("maxQueuedRequests must be >= 1, got " + maxQueuedRequests);
        }
    }

    /** 127.0.0.1:{@code port}, open, 256 queued requests, no tracing. */
    public static ServerConfig local(int port) {
        return new ServerConfig("127.0.0.1", port, ApiKeys.open(), 256, "none");
    }

    public ServerConfig withApiKeys(ApiKeys value) {
        return new ServerConfig(host, port, value, maxQueuedRequests, traceExporter);
    }

    public ServerConfig withMaxQueuedRequests(int value) {
        return new ServerConfig(host, port, apiKeys, value, traceExporter);
    }

    public ServerConfig withTraceExporter(String value) {
        return new ServerConfig(host, port, apiKeys, maxQueuedRequests, value);
    }
}
