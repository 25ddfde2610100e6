package io.flotilla.testkit.trace;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps every exported span in memory, in the order they were exported, for tests that check what
 * a traced request left behind. Safe to read while spans are still being exported.
 */
public final class InMemorySpanExporter implements SpanExporter {
    private final List<SpanData> spans = new CopyOnWriteArrayList<>();

    /** Every span exported so far (a live, thread-safe view). */
    public List<SpanData> spans() {
        return spans;
    }

    /** The spans exported so far with this name, in export order. */
    public List<SpanData> named(String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).toList();
    }

    /** The spans exported so far whose parent is {@code parent}. */
    public List<SpanData> childrenOf(SpanData parent) {
        return spans.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
        spans.addAll(batch);
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
