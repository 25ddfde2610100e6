package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.bench.serve.CompletionClient;
import io.flotilla.bench.serve.Distribution;
import io.flotilla.bench.serve.LlamaCppServerClient;
import io.flotilla.bench.serve.OpenAiStreamClient;
import io.flotilla.bench.serve.ServeBench;
import io.flotilla.bench.serve.ServeBenchConfig;
import io.flotilla.bench.serve.ServeBenchStats;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla bench serve}: a load client for an OpenAI-compatible server, with vLLM's serving benchmark figures. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Sends streamed /v1/completions requests to a server (or, with --llamacpp-model, to llama.cpp's",
                "server loop in-process) and reports TTFT, TPOT, inter-token and",
                "end-to-end latency (p50/p90/p99/mean), requests/s, output tokens/s and goodput under the SLOs given.",
                "Prompts are random common words (about one token each) with an optional shared prefix; every",
                "request asks for --output-len tokens (greedy, ignore_eos). One untimed request goes first."})
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL",
            description = "the server: http://HOST:PORT (then /v1/completions), or the full endpoint")
    URI url;

    @Option(names = "--llamacpp-model", paramLabel = "FILE", description = "instead of --url: llama.cpp's server"
            + " loop in-process (de.kherud:llama) on this GGUF model, the baseline for 'flotilla serve'")
    Path llamaCppModel;

    @Option(names = "--parallel", paramLabel = "N", description = "llama.cpp slots with --llamacpp-model (default: ${DEFAULT-VALUE})")
    int parallel = 16;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "llama.cpp threads with --llamacpp-model"
            + " (default: this machine's cores, ${DEFAULT-VALUE})")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--concurrency", paramLabel = "C", description = "clients sending back to back"
            + " (default 1); with --rate, the cap on requests in flight")
    Integer concurrency;

    @Option(names = "--rate", paramLabel = "R", description = "Poisson arrivals of R requests/s instead of clients")
    double rate;

    @Option(names = "--requests", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int requests = 100;

    @Option(names = "--input-len", paramLabel = "I", description = "prompt length in words (about tokens; default: ${DEFAULT-VALUE})")
    int inputLen = 128;

    @Option(names = "--output-len", paramLabel = "O", description = "max_tokens of every request (default: ${DEFAULT-VALUE})")
    int outputLen = 64;

    @Option(names = "--shared-prefix", paramLabel = "P", description = "words every prompt starts with (default: ${DEFAULT-VALUE})")
    int sharedPrefix;

    @Option(names = "--model", paramLabel = "NAME", description = "the request's model field (default: the first of GET /v1/models, if any)")
    String model;

    @Option(names = "--api-key", paramLabel = "K", description = "sent as Authorization: Bearer K")
    String apiKey;

    @Option(names = "--slo-ttft-ms", paramLabel = "X", description = "goodput counts requests with TTFT <= X")
    double sloTtftMs;

    @Option(names = "--slo-tpot-ms", paramLabel = "Y", description = "goodput counts requests with TPOT <= Y")
    double sloTpotMs;

    @Option(names = "--seed", paramLabel = "S", description = "prompts and arrivals (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--ignore-eos", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "send ignore_eos so every answer is --output-len tokens (default: on)")
    boolean ignoreEos;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ServeBenchConfig c = config();
        try (CompletionClient client = client()) {
            ServeBench.probe(client, c);
            ServeBenchStats s = ServeBench.run(c, client);
            if (json) {
                System.out.println(toJson(s));
            } else {
                print(client.toString(), s);
            }
            return s.completed() == 0 ? 1 : 0;
        }
    }

    private CompletionClient client() throws java.io.IOException {
        if ((url == null) == (llamaCppModel == null)) {
            throw new IllegalArgumentException("give either --url or --llamacpp-model, got "
                    + (url == null ? "neither" : "both"));
        }
        if (url != null) {
            String name = model != null ? model : OpenAiStreamClient.firstServedModel(url, apiKey).orElse(null);
            return new OpenAiStreamClient(url, name, apiKey, ignoreEos);
        }
        // words of the synthetic vocabularies may take several tokens: room for four per word
        return new LlamaCppServerClient(llamaCppModel, parallel, threads, 4 * inputLen + outputLen + 16);
    }

    ServeBenchConfig config() {
        int c = concurrency != null ? concurrency : rate > 0 ? 0 : 1;
        if (concurrency != null && concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
        }
        return new ServeBenchConfig(requests, c, rate, inputLen, outputLen, sharedPrefix, seed, sloTtftMs, sloTpotMs);
    }

    static ObjectNode toJson(ServeBenchStats s) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        ServeBenchConfig c = s.config();
        o.put("requests", c.requests());
        o.put("concurrency", c.concurrency());
        o.put("rate", c.rate());
        o.put("input_len", c.inputLen());
        o.put("output_len", c.outputLen());
        o.put("shared_prefix", c.sharedPrefix());
        o.put("completed", s.completed());
        o.put("errors", s.errors());
        o.put("duration_s", Sizes.round3(s.durationSeconds()));
        o.put("prompt_tokens", s.promptTokens());
        o.put("output_tokens", s.outputTokens());
        o.put("requests_per_s", Sizes.round3(s.requestsPerSecond()));
        o.put("output_tokens_per_s", Sizes.round2(s.outputTokensPerSecond()));
        if (c.hasSlo()) {
            o.put("goodput_requests_per_s", Sizes.round3(s.goodputRequestsPerSecond()));
            o.put("good_requests", s.goodRequests());
        }
        distribution(o.putObject("ttft_ms"), s.ttftMs());
        distribution(o.putObject("tpot_ms"), s.tpotMs());
        distribution(o.putObject("itl_ms"), s.itlMs());
        distribution(o.putObject("e2e_ms"), s.e2eMs());
        s.errorSamples().forEach(o.putArray("error_samples")::add);
        return o;
    }

    private static void distribution(ObjectNode o, Distribution d) {
        for (String k : new String[] {"p50", "p90", "p99", "mean"}) {
            double v = switch (k) {
                case "p50" -> d.p50();
                case "p90" -> d.p90();
                case "p99" -> d.p99();
                default -> d.mean();
            };
            if (Double.isFinite(v)) {
                o.put(k, Sizes.round2(v));
            } else {
                o.putNull(k);
            }
        }
    }

    private static void print(String endpoint, ServeBenchStats s) {
        ServeBenchConfig c = s.config();
        System.out.printf(Locale.ROOT, "target     %s, %d requests of %d + %d tokens (%d shared), %s%n", endpoint,
                c.requests(), c.inputLen(), c.outputLen(), c.sharedPrefix(), c.poisson()
                        ? String.format(Locale.ROOT, "Poisson %.2f req/s%s", c.rate(),
                        c.concurrency() > 0 ? ", at most " + c.concurrency() + " in flight" : "")
                        : "concurrency " + c.concurrency());
        System.out.printf(Locale.ROOT, "completed  %d, errors %d, in %.2f s%n", s.completed(), s.errors(),
                s.durationSeconds());
        System.out.printf(Locale.ROOT, "throughput %.3f req/s, %.2f output tok/s%n", s.requestsPerSecond(),
                s.outputTokensPerSecond());
        if (c.hasSlo()) {
            System.out.printf(Locale.ROOT, "goodput    %.3f req/s (%d requests within the SLOs)%n",
                    s.goodputRequestsPerSecond(), s.goodRequests());
        }
        System.out.printf(Locale.ROOT, "%-10s %9s %9s %9s %9s%n", "ms", "p50", "p90", "p99", "mean");
        row("TTFT", s.ttftMs());
        row("TPOT", s.tpotMs());
        row("ITL", s.itlMs());
        row("E2E", s.e2eMs());
        s.errorSamples().forEach(e -> System.out.println("error      " + e));
    }

    private static void row(String name, Distribution d) {
        System.out.printf(Locale.ROOT, "%-10s %9.2f %9.2f %9.2f %9.2f%n", name, d.p50(), d.p90(), d.p99(), d.mean());
    }
}
