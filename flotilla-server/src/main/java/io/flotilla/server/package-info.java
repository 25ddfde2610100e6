/**
 * Serving a model over HTTP: {@link io.flotilla.server.FlotillaServer} (Helidon SE, virtual
 * threads) in front of a {@link io.flotilla.server.ServedModel} (a name, tokenizer, chat
 * template, context length and a running {@code EngineCore}; {@link io.flotilla.server.LocalServedModel}
 * on this machine, the cluster's pipeline elsewhere). A call is authenticated to a tenant
 * ({@link io.flotilla.server.ApiKeys}), admitted ({@link io.flotilla.server.Admission}: queue limit,
 * {@link io.flotilla.server.TenantQuotas}), then run as a {@link io.flotilla.server.Generation}
 * (engine requests → incremental detokenizing → stop strings → a {@link io.flotilla.server.GenerationSink}).
 * {@link io.flotilla.server.ServerMetrics} (Micrometer, Prometheus) and
 * {@link io.flotilla.server.ServerTracing} (OpenTelemetry, off by default) observe it; logs carry
 * the request id in the MDC key {@code request_id}.
 */
package io.flotilla.server;
