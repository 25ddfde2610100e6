/**
 * OpenTelemetry for tests: {@link io.flotilla.testkit.trace.InMemorySpanExporter} keeps the spans a
 * test's tracer provider exports, so that the test can check their names, parents and attributes.
 *
 * <pre>{@code
 * InMemorySpanExporter exporter = new InMemorySpanExporter();
 * try (SdkTracerProvider provider = SdkTracerProvider.builder()
 *         .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
 *     ... // traced work
 * }
 * List<SpanData> steps = exporter.named("pipeline.step");
 * }</pre>
 */
package io.flotilla.testkit.trace;
