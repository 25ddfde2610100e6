/**
 * The serving engine's entry point: {@link io.flotilla.engine.EngineCore} takes
 * {@link io.flotilla.engine.Request}s (prompt token ids, {@link io.flotilla.engine.SamplingParams},
 * tenant, arrival time) from any thread and, one {@code step()} at a time on its own thread
 * ({@link io.flotilla.engine.EngineLoop}), schedules, executes and emits
 * {@link io.flotilla.engine.RequestOutput}s to each request's {@link io.flotilla.engine.RequestListener}.
 *
 * <p>A step: drain the inbox (new requests, aborts, finishes from above such as stop strings,
 * tenant weights) → {@code Scheduler.schedule()} → {@code Executor.execute(plan)} →
 * {@code Scheduler.updateFromOutput(plan, result)}. An executor that can work on several steps at
 * once (a pipeline of S stages: {@code Executor.maxStepsInFlight()} = S) gets up to S steps in flight
 * over disjoint sequences ({@code submit}, then {@code awaitOldest}), so that every stage works. Quotas (requests/min, tokens/min) belong to
 * the server; it reads {@code RequestOutput.numOutputTokens()}, {@code RequestStats} and
 * {@code EngineCore.stats()} (running/waiting counts, KV usage, prefix hits, per-tenant tokens).
 */
package io.flotilla.engine;
