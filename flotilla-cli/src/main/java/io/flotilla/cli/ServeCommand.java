package io.flotilla.cli;

import io.flotilla.server.ApiKeys;
import io.flotilla.server.FlotillaServer;
import io.flotilla.server.LocalServedModel;
import io.flotilla.server.LocalServingConfig;
import io.flotilla.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flotilla serve}: the OpenAI-compatible HTTP API over a model on this machine. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a GGUF model over an OpenAI-compatible HTTP API (continuous batching).",
                "Endpoints: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health,"
                        + " GET /ready, GET /metrics. Runs until interrupted (Ctrl-C)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", paramLabel = "ADDR", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = {"-p", "--port"}, paramLabel = "N", description = "TCP port, 0 = any free port (default: ${DEFAULT-VALUE})")
    int port = 8080;

    @Option(names = "--api-keys", paramLabel = "FILE",
            description = "key file, one 'KEY TENANT [WEIGHT [RPM [TPM]]]' per line; without it the server is open")
    Path apiKeys;

    @Option(names = "--name", paramLabel = "ID", description = "model id clients send (default: the file name without .gguf)")
    String name;

    @Option(names = "--max-num-seqs", paramLabel = "N", description = "most sequences in a batch (default: ${DEFAULT-VALUE})")
    int maxNumSeqs = 16;

    @Option(names = "--max-queue", paramLabel = "N",
            description = "most requests running or waiting; more get 503 with Retry-After (default: ${DEFAULT-VALUE})")
    int maxQueue = 256;

    @Option(names = "--token-budget", paramLabel = "N", description = "most tokens per engine step (default: max(512, max-num-seqs))")
    int tokenBudget;

    @Option(names = "--kv-blocks", paramLabel = "N",
            description = "KV cache blocks of 16 tokens (default: sized by --kv-memory)")
    int kvBlocks;

    @Option(names = "--kv-memory", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "bytes of the F16 KV cache, e.g. 512M or 2G (default: max-num-seqs full contexts, at most 1G)")
    long kvMemory;

    @Option(names = "--prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "reuse the KV blocks of equal prompt prefixes (default: on; --no-prefix-caching turns it off)")
    boolean prefixCaching;

    @Option(names = "--trace-exporter", paramLabel = "NAME",
            description = "OpenTelemetry spans: none or logging (default: ${DEFAULT-VALUE})")
    String traceExporter = "none";

    @Option(names = "--port-file", paramLabel = "FILE", description = "write the bound port to this file once listening")
    Path portFile;

    @Override
    public Integer call() throws Exception {
        if (modelOptions.threads < 1 || modelOptions.ctx < 0) {
            throw new IllegalArgumentException("--threads must be >= 1 and --ctx >= 0, got " + modelOptions.threads
                    + " and " + modelOptions.ctx);
        }
        ApiKeys keys = apiKeys == null ? ApiKeys.open() : ApiKeys.load(apiKeys);
        ServerConfig serverConfig = new ServerConfig(host, port, keys, maxQueue, traceExporter);
        LocalServingConfig local = new LocalServingConfig(name, modelOptions.threads, modelOptions.ctx, maxNumSeqs,
                tokenBudget, kvBlocks, kvMemory, prefixCaching);
        LocalServedModel model = LocalServedModel.start(modelOptions.path(), local);
        FlotillaServer server;
        try {
            server = new FlotillaServer(model, serverConfig).start();
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            model.close();
            stopped.countDown();
        }, "flotilla-serve-shutdown"));
        System.out.printf("flotilla serve: %s on http://%s:%d (context %d, %d sequences, %d KV blocks, prefix caching %s,"
                + " %s)%n", model.name(), host, server.port(), model.contextLength(), maxNumSeqs,
                model.engine().stats().kvCache().numBlocks(), prefixCaching ? "on" : "off",
                keys.isOpen() ? "open: no API keys" : "API keys required");
        System.out.flush();
        if (portFile != null) {
            Files.writeString(portFile, Integer.toString(server.port()), StandardCharsets.US_ASCII);
        }
        stopped.await();
        return 0;
    }

    /** Parses {@code 1073741824}, {@code 512K}, {@code 512M}, {@code 2G} (binary units). */
    static final class ByteSizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(java.util.Locale.ROOT).replaceAll("I?B$", "");
            int shift = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
            try {
                return Long.parseLong(digits) << shift;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("expected a size like 512M or 2G, got '" + value + "'");
            }
        }
    }
}
