package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.testkit.SharedData;
import io.flotilla.testkit.trace.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spans from the HTTP request down to the engine's queue and generate phases. */
class ServerTracingTest {

    @Test
    void requestSpanHasEngineQueueAndGenerateChildren() throws Exception {
        InMemorySpanExporter exporter = new InMemorySpanExporter();
        LocalServingConfig local = LocalServingConfig.defaults(1).withName(TestServer.MODEL).withContextLength(128);
        try (LocalServedModel model = LocalServedModel.start(SharedData.tinyStoriesGguf(), local);
             FlotillaServer server = new FlotillaServer(model, ServerConfig.local(0), ServerTracing.exportingTo(exporter))
                     .start();
             var http = java.net.http.HttpClient.newHttpClient()) {
            var r = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"tinystories\",\"prompt\":\"Once\",\"max_tokens\":3}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        SpanData request = exporter.named("POST /v1/completions").getFirst();
        assertThat(request.getAttributes().asMap().toString()).contains("flotilla.tenant=default");
        List<SpanData> children = exporter.childrenOf(request);
        assertThat(children).extracting(SpanData::getName).containsExactlyInAnyOrder("engine.queue", "engine.generate");
        for (SpanData child : children) {
            assertThat(child.getTraceId()).isEqualTo(request.getTraceId());
            assertThat(child.getEndEpochNanos()).isGreaterThanOrEqualTo(child.getStartEpochNanos());
        }
    }

    @Test
    void engineRequestsFindTheContextOfTheirHttpRequestWhileItRuns() {
        try (ServerTracing tracing = ServerTracing.exportingTo(new InMemorySpanExporter())) {
            io.opentelemetry.api.trace.Span span = tracing.startRequest("POST /v1/completions", "cmpl-abc");
            var context = tracing.engineRequestContext("cmpl-abc-1");
            assertThat(context).isNotNull();
            assertThat(io.opentelemetry.api.trace.Span.fromContext(context).getSpanContext())
                    .isEqualTo(span.getSpanContext());
            assertThat(tracing.engineRequestContext("cmpl-other-0")).isNull();
            span.end();
            assertThat(tracing.engineRequestContext("cmpl-abc-1")).isNull();
        }
        try (ServerTracing off = ServerTracing.off()) {
            off.startRequest("POST /v1/completions", "cmpl-abc");
            assertThat(off.engineRequestContext("cmpl-abc-0")).isNull();
        }
    }
}
