package io.flotilla.cli;

import io.flotilla.pipeline.ClusterStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla cluster}: look at a running cluster. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Inspect a running cluster: 'flotilla cluster status --url http://HOST:P'.",
        subcommands = {ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code flotilla cluster status}: nodes, measured capacity, placement. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the nodes, their measured capacity and the placement of the coordinator at --url.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--url", required = true, paramLabel = "URL", description = "the coordinator, http://HOST:P")
        String url;

        @Option(names = "--json", description = "print the status as one JSON object")
        boolean json;

        @Override
        public Integer call() throws Exception {
            URI uri = URI.create(url.replaceAll("/+$", "") + UpCommand.STATUS_PATH);
            HttpResponse<String> response;
            try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            if (response.statusCode() != 200) {
                throw new IllegalArgumentException(uri + " answered HTTP " + response.statusCode());
            }
            if (json) {
                System.out.println(response.body());
            } else {
                print(ClusterStatusJson.read(response.body()));
            }
            return 0;
        }

        private static void print(ClusterStatus s) {
            System.out.printf("plan %d (%s), model %s, pipeline %s%s%n", s.planVersion(), s.objective(),
                    s.modelVersion(), String.join(" -> ", s.stages()), s.problem() == null ? "" : "; " + s.problem());
            System.out.printf("%-12s %8s %-22s %-6s %-9s %7s %12s %12s %12s%n", "NODE", "PID", "ADDRESS", "ALIVE",
                    "LAYERS", "THREADS", "MEMORY", "MEM B/S", "FLOP/S");
            for (ClusterStatus.Node n : s.nodes()) {
                String layers = n.layers().isEmpty() ? "-" : "[" + n.layers().get(0) + ", " + n.layers().get(1) + ")";
                System.out.printf("%-12s %8d %-22s %-6s %-9s %7d %12s %12s %12s%s%n", n.id(), n.pid(), n.address(),
                        n.alive() ? "yes" : "no", layers, n.capacity().threads(),
                        Sizes.bytes(n.capacity().usableMemoryBytes()), Sizes.count((long) n.capacity()
                                .memoryBytesPerSecond()), Sizes.count((long) n.capacity().flopsPerSecond()),
                        (n.api() == null ? "" : "  candidate coordinator, API " + n.api())
                                + (n.refused() == null ? "" : "  refused: " + n.refused()));
            }
            if (s.replicas().size() > 1) {
                System.out.printf("replicas: %s%n", String.join(" | ", s.replicas().stream()
                        .map(stages -> String.join(" -> ", stages)).toList()));
            }
            for (ClusterStatus.Link link : s.links()) {
                System.out.printf(java.util.Locale.ROOT, "link %s -> %s: RTT %.0f us, %s B/s%n", link.from(), link.to(),
                        link.rttSeconds() * 1e6, Sizes.count((long) link.bytesPerSecond()));
            }
        }
    }
}
