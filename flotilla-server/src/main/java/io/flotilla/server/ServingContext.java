package io.flotilla.server;

/** What the HTTP handlers share: the model, the admission gate, metrics and tracing. */
public record ServingContext(ServedModel model, Admission admission, ServerMetrics metrics, ServerTracing tracing) {
}
