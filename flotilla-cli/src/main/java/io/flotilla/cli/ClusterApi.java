package io.flotilla.cli;

import io.flotilla.pipeline.Coordinator;
import io.flotilla.pipeline.PipelineExecutor;
import io.flotilla.pipeline.PipelineTracing;
import io.flotilla.server.ApiKeys;
import io.flotilla.server.ExecutorServedModel;
import io.flotilla.server.FlotillaServer;
import io.flotilla.server.LocalServingConfig;
import io.flotilla.server.ServerConfig;
import io.flotilla.server.ServerTracing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * The OpenAI API of docs/serving.md over a coordinator's pipeline, with the cluster status at
 * {@link UpCommand#STATUS_PATH} on the same port: what {@code flotilla up} serves, and what a node started with
 * {@code --api-port} serves once it has become the coordinator.
 */
final class ClusterApi {
    private ClusterApi() {
    }

    /**
     * Serves until the thread is interrupted; {@code started} gets the bound port and the served
     * model's name once it listens.
     * The API answers {@code /ready} once the coordinator has a plan.
     */
    static void serve(Coordinator coordinator, Path model, String host, int port, int contextLength, int maxNumSeqs,
                      ApiKeys keys, BiConsumer<Integer, String> started) throws Exception {
        serve(coordinator, model, host, port, contextLength, maxNumSeqs, keys, true, "none", started);
    }

    /**
     * As above, with prefix caching on or off (stages keep K/V in paged stores laid out by the
     * engine's block ids) and spans down to each stage's work exported by {@code traceExporter}
     * ({@code none} or {@code logging}).
     */
    static void serve(Coordinator coordinator, Path model, String host, int port, int contextLength, int maxNumSeqs,
                      ApiKeys keys, boolean prefixCaching, String traceExporter, BiConsumer<Integer, String> started)
            throws Exception {
        LocalServingConfig config = LocalServingConfig.defaults(1).withContextLength(contextLength)
                .withMaxNumSeqs(maxNumSeqs).withPrefixCaching(prefixCaching);
        ServerTracing tracing = ServerTracing.of(traceExporter);
        PipelineTracing stageTracing = new PipelineTracing(tracing.openTelemetry().getTracer("io.flotilla.pipeline"),
                tracing::engineRequestContext);
        try (ExecutorServedModel served = ExecutorServedModel.start(model, config,
                engine -> new PipelineExecutor(coordinator, engine, Duration.ofSeconds(120), Duration.ofSeconds(60))
                        .withTracing(stageTracing),
                () -> coordinator.status().planVersion() > 0);
             FlotillaServer server = new FlotillaServer(served, new ServerConfig(host, port, keys, 256, traceExporter),
                     tracing)
                     .withJsonGet(UpCommand.STATUS_PATH, () -> ClusterStatusJson.write(coordinator.status())).start()) {
            started.accept(server.port(), served.name());
            Thread.currentThread().join();
        }
    }
}
