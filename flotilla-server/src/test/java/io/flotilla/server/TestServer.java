package io.flotilla.server;

import io.flotilla.engine.EngineConfig;
import io.flotilla.exec.Executor;
import io.flotilla.generate.LocalModel;
import io.flotilla.testkit.SharedData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.BiFunction;

/**
 * A real server on 127.0.0.1 (a free port) over the real TinyStories model, for end-to-end
 * tests; tests are skipped when ../shared is absent.
 */
public final class TestServer implements AutoCloseable {
    public static final String MODEL = "tinystories";

    public final LocalServedModel model;
    public final FlotillaServer server;
    public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestServer(LocalServedModel model, FlotillaServer server) {
        this.model = model;
        this.server = server;
    }

    /** The real model with its BatchExecutor (prefix caching on), context 256, 8 sequences. */
    public static TestServer start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /** With a test executor ({@code null} = the model's LocalExecutor). */
    public static TestServer start(ServerConfig config, BiFunction<LocalModel, EngineConfig, Executor> executor) throws IOException {
        LocalServingConfig local = LocalServingConfig.defaults(1).withName(MODEL).withContextLength(256).withMaxNumSeqs(8);
        LocalServedModel model = executor == null ? LocalServedModel.start(SharedData.tinyStoriesGguf(), local)
                : LocalServedModel.start(SharedData.tinyStoriesGguf(), local, executor);
        try {
            return new TestServer(model, new FlotillaServer(model, config).start());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            model.close();
            http.close();
        }
    }
}
