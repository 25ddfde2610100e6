package io.flotilla.server;

import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestStats;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry spans: one server span per HTTP request, and under it, per engine request,
 * {@code engine.queue} (arrival to first scheduled step) and {@code engine.generate} (first step
 * to end), placed from the engine's timings; an executor that does remote work (the cluster's
 * pipeline) adds its spans under {@link #engineRequestContext}. Off unless an exporter is chosen:
 * {@code none} (default) or {@code logging} (spans written to the log).
 */
public final class ServerTracing implements AutoCloseable {
    private final OpenTelemetry openTelemetry;
    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final Map<String, Span> inFlight = new ConcurrentHashMap<>();

    private ServerTracing(OpenTelemetry openTelemetry, SdkTracerProvider provider) {
        this.openTelemetry = openTelemetry;
        this.provider = provider;
        this.tracer = openTelemetry.getTracer("io.flotilla.server");
    }

    /** Tracing with the named exporter: {@code none} or {@code logging}. */
    public static ServerTracing of(String exporter) {
        return switch (exporter.toLowerCase(Locale.ROOT)) {
            case "none" -> new ServerTracing(OpenTelemetry.noop(), null);
            case "logging" -> exportingTo(LoggingSpanExporter.create());
            default -> throw new IllegalArgumentException("unknown trace exporter '" + exporter
                    + "': expected none or logging");
        };
    }

    /** Tracing that hands every ended span to {@code exporter} (e.g. an OTLP exporter the caller built). */
    public static ServerTracing exportingTo(SpanExporter exporter) {
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        return new ServerTracing(OpenTelemetrySdk.builder().setTracerProvider(provider).build(), provider);
    }

    /** Tracing that records nothing. */
    public static ServerTracing off() {
        return of("none");
    }

    /** Starts the server span of an HTTP request. */
    public Span startRequest(String name, String requestId) {
        Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.SERVER).setAttribute("flotilla.request_id", requestId)
                .startSpan();
        if (span.getSpanContext().isValid()) {
            inFlight.values().removeIf(s -> !s.isRecording()); // ended requests
            inFlight.put(requestId, span);
        }
        return span;
    }

    /**
     * The context of the HTTP request an engine request ({@code REQUESTID-CHOICE}) belongs to while
     * that request runs, or null when it is not traced: where an executor (the cluster's pipeline)
     * puts the spans of its work on the request.
     */
    public Context engineRequestContext(String engineRequestId) {
        int dash = engineRequestId.lastIndexOf('-');
        Span span = dash < 0 ? null : inFlight.get(engineRequestId.substring(0, dash));
        return span == null || !span.isRecording() ? null : Context.root().with(span);
    }

    /** Adds the engine's queue and generate spans of a finished engine request under {@code parent}. */
    public void recordEngineRequest(Span parent, RequestOutput last) {
        RequestStats s = last.stats();
        if (!parent.getSpanContext().isValid() || s == null) {
            return;
        }
        long offset = System.currentTimeMillis() * 1_000_000L - System.nanoTime(); // engine clock -> epoch
        Context ctx = Context.current().with(parent);
        long scheduled = s.firstScheduledNanos() >= 0 ? s.firstScheduledNanos() : s.finishedNanos();
        tracer.spanBuilder("engine.queue").setParent(ctx).setStartTimestamp(s.arrivalNanos() + offset, TimeUnit.NANOSECONDS)
                .setAttribute("flotilla.engine_request_id", last.requestId()).startSpan()
                .end(scheduled + offset, TimeUnit.NANOSECONDS);
        if (s.firstScheduledNanos() >= 0) {
            tracer.spanBuilder("engine.generate").setParent(ctx).setStartTimestamp(scheduled + offset, TimeUnit.NANOSECONDS)
                    .setAttribute("flotilla.engine_request_id", last.requestId())
                    .setAttribute("flotilla.prompt_tokens", s.numPromptTokens())
                    .setAttribute("flotilla.cached_tokens", s.numCachedTokens())
                    .setAttribute("flotilla.output_tokens", s.numOutputTokens())
                    .setAttribute("flotilla.preemptions", s.numPreemptions())
                    .setAttribute("flotilla.finish_reason", last.finishReason().wireName()).startSpan()
                    .end(s.finishedNanos() + offset, TimeUnit.NANOSECONDS);
        }
    }

    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    @Override
    public void close() {
        if (provider != null) {
            provider.close();
        }
    }
}
