package io.flotilla.server;

import io.flotilla.server.openai.OpenAiRoutes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP server (Helidon SE, a virtual thread per request) over one
 * {@link ServedModel}: the {@code /v1} API, {@code GET /health} (the process is up),
 * {@code GET /ready} (the model takes requests) and {@code GET /metrics} (Prometheus).
 * {@link #start()} binds and returns; {@link #close()} stops it (the model is the caller's).
 */
public final class FlotillaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlotillaServer.class);

    private final ServedModel model;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final ServerTracing tracing;
    private final ServingContext context;
    private WebServer server;

    public FlotillaServer(ServedModel model, ServerConfig config) {
        this(model, config, ServerTracing.of(config.traceExporter()));
    }

    /** With a tracing of the caller's (closed with the server). */
    public FlotillaServer(ServedModel model, ServerConfig config, ServerTracing tracing) {
        this.model = model;
        this.config = config;
        this.metrics = new ServerMetrics(model.engine());
        this.tracing = tracing;
        this.context = new ServingContext(model,
                new Admission(config.apiKeys(), new TenantQuotas(), metrics, config.maxQueuedRequests()), metrics, tracing);
    }

    public synchronized FlotillaServer start() {
        if (server != null) {
            throw new IllegalStateException("server already started on port " + server.port());
        }
        if (config.apiKeys().isOpen()) {
            LOG.warn("no --api-keys file: the server is open to every client that can reach {}:{}", config.host(),
                    config.port());
        }
        for (TenantPolicy t : config.apiKeys().tenants()) {
            model.engine().setTenantWeight(t.tenantId(), t.weight());
        }
        server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                .routing(this::routes)
                .build()
                .start();
        LOG.info("serving {} on http://{}:{}", model.name(), config.host(), server.port());
        return this;
    }

    private void routes(HttpRouting.Builder routing) {
        routing.get("/health", (req, res) -> text(res, 200, "application/json", "{\"status\":\"ok\"}"))
                .get("/ready", (req, res) -> {
                    boolean ready = model.ready();
                    text(res, ready ? 200 : 503, "application/json",
                            "{\"status\":\"" + (ready ? "ready" : "not ready") + "\"}");
                })
                .get("/metrics", (req, res) -> text(res, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.scrape()));
        OpenAiRoutes.register(routing, context);
        routing.error(ApiError.class, (req, res, e) -> OpenAiRoutes.sendError(res, e))
                .any((req, res) -> OpenAiRoutes.sendError(res, new ApiError(404, "invalid_request_error",
                        "Unknown request URL: " + req.prologue().method().text() + " " + req.path().path(), null,
                        "unknown_url", 0)));
    }

    private static void text(ServerResponse res, int status, String contentType, String body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** The bound port (useful with port 0). */
    public int port() {
        if (server == null) {
            throw new IllegalStateException("server not started");
        }
        return server.port();
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    public ServingContext context() {
        return context;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
        tracing.close();
    }
}
