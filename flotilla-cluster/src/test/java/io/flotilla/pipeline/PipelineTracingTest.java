package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.EngineConfig;
import io.flotilla.testkit.trace.InMemorySpanExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One traced request through two node processes yields, under its trace, every stage's work of every step. */
class PipelineTracingTest {
    @TempDir
    Path dir;
    private ClusterFixture cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void oneRequestYieldsSpansOfEveryStageUnderItsTrace() throws Exception {
        Path model = PipelineTest.writeSynthetic(dir);
        cluster = new ClusterFixture(model, dir);
        Coordinator coordinator = cluster.startCoordinator(2);
        long limit = PipelineTest.limitFor(model, 2);
        cluster.startNode("node-0", limit);
        cluster.startNode("node-1", limit);
        InMemorySpanExporter exporter = new InMemorySpanExporter();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            Span request = provider.get("test").spanBuilder("POST /v1/completions").startSpan();
            Context traced = Context.root().with(request);
            EngineConfig config = PipelinePrefixTest.engineConfig(true);
            PipelineExecutor executor = new PipelineExecutor(coordinator, config, Duration.ofSeconds(60),
                    Duration.ofSeconds(30)).withTracing(new PipelineTracing(provider.get("io.flotilla.pipeline"),
                    id -> id.equals("p0") ? traced : null));
            PipelinePrefixTest.inTurn(executor, config, new int[][] {{1, 15, 200, 37}, {1, 250, 3}}, i -> { },
                    new ArrayList<>());
            request.end();

            String trace = request.getSpanContext().getTraceId();
            List<SpanData> steps = exporter.named("pipeline.step");
            List<SpanData> stages = exporter.named("pipeline.stage");
            assertThat(steps).hasSize(8) // the prompt's step and 7 decode steps of p0; p1 is not traced
                    .allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId()));
            assertThat(stages).hasSize(2 * steps.size()).allSatisfy(s -> {
                assertThat(s.getTraceId()).isEqualTo(trace);
                assertThat(steps).extracting(SpanData::getSpanId).contains(s.getParentSpanId());
                assertThat(s.getEndEpochNanos()).isGreaterThanOrEqualTo(s.getStartEpochNanos());
            });
            Set<String> nodes = stages.stream().map(s -> s.getAttributes().get(AttributeKey.stringKey(
                    "flotilla.node_id"))).collect(Collectors.toSet());
            assertThat(nodes).containsExactlyInAnyOrderElementsOf(coordinator.status().stages());
            assertThat(stages).extracting(s -> s.getAttributes().get(AttributeKey.longKey("flotilla.first_layer")))
                    .containsOnly(0L, stages.stream().mapToLong(s -> s.getAttributes().get(
                            AttributeKey.longKey("flotilla.first_layer"))).max().orElseThrow());
        }
    }
}
