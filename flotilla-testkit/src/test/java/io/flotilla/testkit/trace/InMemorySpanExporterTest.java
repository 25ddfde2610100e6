package io.flotilla.testkit.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

class InMemorySpanExporterTest {

    @Test
    void keepsEndedSpansWithTheirNamesAndParents() {
        InMemorySpanExporter exporter = new InMemorySpanExporter();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            Tracer tracer = provider.get("test");
            Span root = tracer.spanBuilder("root").startSpan();
            Context parent = Context.root().with(root);
            tracer.spanBuilder("child").setParent(parent).startSpan().end();
            tracer.spanBuilder("child").setParent(parent).startSpan().end();
            assertThat(exporter.spans()).as("a span is exported when it ends").hasSize(2);
            root.end();
        }
        SpanData root = exporter.named("root").getFirst();
        assertThat(exporter.spans()).extracting(SpanData::getName).containsExactly("child", "child", "root");
        assertThat(exporter.childrenOf(root)).hasSize(2).allSatisfy(child ->
                assertThat(child.getTraceId()).isEqualTo(root.getTraceId()));
        assertThat(exporter.named("nothing")).isEmpty();
        assertThat(exporter.flush().isSuccess()).isTrue();
        assertThat(exporter.shutdown().isSuccess()).isTrue();
    }
}
