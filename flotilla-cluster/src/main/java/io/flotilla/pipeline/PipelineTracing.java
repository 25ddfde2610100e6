package io.flotilla.pipeline;

import io.flotilla.wire.StageSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * OpenTelemetry spans of the pipeline: per traced engine request and step a {@code pipeline.step}
 * span under the request's context (from {@code parents}: the server's HTTP span), and under it one
 * {@code pipeline.stage} span per stage the request's micro-batch went through, placed at the times
 * the stage measured (node id, layer range, token rows as attributes). The step span's context
 * travels with the batch as a W3C {@code traceparent} ({@link #traceParent}); stages that see one
 * time their work and return it with the logits, and {@link #recordStages} records it here, so node
 * processes need no exporter of their own.
 */
public final class PipelineTracing {
    /** Traces nothing. */
    public static final PipelineTracing OFF = new PipelineTracing(null, id -> null);

    private final Tracer tracer;
    private final Function<String, Context> parents;

    /**
     * @param tracer  where spans go
     * @param parents the context an engine request's spans belong under, or null when it is not traced
     */
    public PipelineTracing(Tracer tracer, Function<String, Context> parents) {
        this.tracer = tracer;
        this.parents = Objects.requireNonNull(parents, "parents");
    }

    /** The {@code pipeline.step} span of one request in one step, or an invalid span when it is not traced. */
    Span startStep(String requestId, long step, int startPosition, int tokens) {
        Context parent = tracer == null ? null : parents.apply(requestId);
        if (parent == null || !Span.fromContext(parent).getSpanContext().isValid()) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder("pipeline.step").setParent(parent)
                .setAttribute("flotilla.engine_request_id", requestId)
                .setAttribute("flotilla.step", step)
                .setAttribute("flotilla.start_position", startPosition)
                .setAttribute("flotilla.tokens", tokens).startSpan();
    }

    /** The W3C {@code traceparent} of {@code span}, or "" when it is not traced. */
    static String traceParent(Span span) {
        if (!span.getSpanContext().isValid()) {
            return "";
        }
        Map<String, String> headers = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), headers,
                (carrier, key, value) -> carrier.put(key, value));
        return headers.getOrDefault("traceparent", "");
    }

    /** Records each stage's span of a micro-batch under {@code step}. */
    void recordStages(Span step, List<StageSpan> stages) {
        if (!step.getSpanContext().isValid()) {
            return;
        }
        Context parent = Context.root().with(step);
        for (StageSpan s : stages) {
            tracer.spanBuilder("pipeline.stage").setParent(parent)
                    .setStartTimestamp(s.startEpochNanos(), TimeUnit.NANOSECONDS)
                    .setAttribute("flotilla.node_id", s.nodeId())
                    .setAttribute("flotilla.first_layer", s.firstLayer())
                    .setAttribute("flotilla.last_layer", s.lastLayer())
                    .setAttribute("flotilla.tokens", s.tokens()).startSpan()
                    .end(s.endEpochNanos(), TimeUnit.NANOSECONDS);
        }
    }
}
