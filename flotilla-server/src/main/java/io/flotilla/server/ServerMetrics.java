package io.flotilla.server;

import io.flotilla.engine.EngineCore;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.RequestStats;
import io.flotilla.sched.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The server's Prometheus metrics (Micrometer): latency histograms (time to first token,
 * inter-token latency, end-to-end latency, queue time), the engine's gauges (running and
 * waiting requests, KV blocks used and free, prefix cache hit rate), token counters, and
 * per-tenant counters (requests by finish reason, prompt and generated tokens, rejections).
 * All names start with {@code flotilla_}; see docs/serving.md.
 */
public final class ServerMetrics {
    private static final Duration[] LATENCY_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
            0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer endToEndLatency;
    private final Timer queueTime;
    private final Counter promptTokens;
    private final Counter generationTokens;

    public ServerMetrics(EngineCore engine) {
        timeToFirstToken = timer("flotilla.time.to.first.token", "From arrival in the engine to the first generated token");
        interTokenLatency = timer("flotilla.inter.token.latency", "Between two consecutive tokens of a request");
        endToEndLatency = timer("flotilla.e2e.request.latency", "From arrival in the engine to the request's end");
        queueTime = timer("flotilla.request.queue.time", "From arrival to the first step that computed the request");
        promptTokens = Counter.builder("flotilla.prompt.tokens").description("Prompt tokens of finished requests")
                .register(registry);
        generationTokens = Counter.builder("flotilla.generation.tokens").description("Tokens generated")
                .register(registry);
        gauge(engine, "flotilla.requests.running", "Requests stepping in the engine", SchedulerStats::numRunning);
        gauge(engine, "flotilla.requests.waiting", "Requests waiting for admission", SchedulerStats::numWaiting);
        gauge(engine, "flotilla.kv.blocks.used", "KV cache blocks in use", s -> s.kvCache().usedBlocks());
        gauge(engine, "flotilla.kv.blocks.free", "KV cache blocks free", s -> s.kvCache().freeBlocks());
        gauge(engine, "flotilla.kv.cache.usage", "Fraction of KV cache blocks in use", s -> s.kvCache().usage());
        gauge(engine, "flotilla.prefix.cache.hit.rate", "Prompt tokens found in the prefix cache / tokens looked up",
                s -> s.kvCache().prefixHitRate());
        FunctionCounter.builder("flotilla.prefix.cache.queries", engine, e -> e.stats().kvCache().prefixQueries())
                .description("Prompt tokens looked up in the prefix cache").register(registry);
        FunctionCounter.builder("flotilla.prefix.cache.hits", engine, e -> e.stats().kvCache().prefixHits())
                .description("Prompt tokens found in the prefix cache").register(registry);
        FunctionCounter.builder("flotilla.preemptions", engine, e -> e.stats().preemptions())
                .description("Requests preempted (KV blocks freed, recomputed later)").register(registry);
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
                .minimumExpectedValue(LATENCY_BUCKETS[0]).maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1])
                .register(registry);
    }

    private void gauge(EngineCore engine, String name, String description, ToDoubleFunction<SchedulerStats> f) {
        Gauge.builder(name, engine, e -> f.applyAsDouble(e.stats())).description(description).register(registry);
    }

    private static Duration[] seconds(double... values) {
        return Arrays.stream(values).mapToObj(v -> Duration.ofNanos(Math.round(v * 1e9))).toArray(Duration[]::new);
    }

    /** A request's last output: its timings and token counts (engine thread; must be quick). */
    public void requestFinished(String tenant, RequestOutput last) {
        RequestStats s = last.stats();
        if (s == null) {
            return;
        }
        if (s.firstTokenLatencyNanos() >= 0) {
            timeToFirstToken.record(s.firstTokenLatencyNanos(), TimeUnit.NANOSECONDS);
        }
        if (s.queueNanos() >= 0) {
            queueTime.record(s.queueNanos(), TimeUnit.NANOSECONDS);
        }
        endToEndLatency.record(Math.max(0, s.finishedNanos() - s.arrivalNanos()), TimeUnit.NANOSECONDS);
        promptTokens.increment(s.numPromptTokens());
        generationTokens.increment(s.numOutputTokens());
        registry.counter("flotilla.tenant.requests", "tenant", tenant, "finish_reason", last.finishReason().wireName())
                .increment();
        registry.counter("flotilla.tenant.prompt.tokens", "tenant", tenant).increment(s.numPromptTokens());
        registry.counter("flotilla.tenant.generation.tokens", "tenant", tenant).increment(s.numOutputTokens());
    }

    /** Time between two tokens of one request. */
    public void interTokenLatency(long nanos) {
        interTokenLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request refused before reaching the engine ({@code reason}: the error code, e.g. rate_limit_exceeded). */
    public void rejected(String tenant, String reason) {
        registry.counter("flotilla.tenant.rejected", "tenant", tenant, "reason", reason).increment();
    }

    /** One HTTP response, by route and status. */
    public void httpResponse(String route, int status) {
        registry.counter("flotilla.http.responses", "route", route, "status", Integer.toString(status)).increment();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
