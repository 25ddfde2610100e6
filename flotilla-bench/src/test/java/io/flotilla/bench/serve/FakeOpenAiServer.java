package io.flotilla.bench.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * An OpenAI-style SSE completions endpoint on 127.0.0.1 that streams {@code tokens} one-token
 * chunks: the first after {@code ttftMs.applyAsInt(requestIndex)} ms, the others {@code gapMs}
 * apart, then a usage chunk and {@code [DONE]}. Requests whose index {@code failEvery} divides
 * (when > 0) get a 500.
 */
final class FakeOpenAiServer implements AutoCloseable {
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger index = new AtomicInteger();
    private final HttpServer server;
    private final int tokens;
    private final IntUnaryOperator ttftMs;
    private final int gapMs;
    private final int failEvery;

    FakeOpenAiServer(int tokens, IntUnaryOperator ttftMs, int gapMs, int failEvery) throws IOException {
        this.tokens = tokens;
        this.ttftMs = ttftMs;
        this.gapMs = gapMs;
        this.failEvery = failEvery;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/completions", this::handle);
        server.createContext("/v1/models", ex -> {
            byte[] list = "{\"object\":\"list\",\"data\":[{\"id\":\"fake-model\",\"object\":\"model\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, list.length);
            ex.getResponseBody().write(list);
            ex.close();
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange ex) throws IOException {
        int i = index.getAndIncrement();
        bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        if (failEvery > 0 && (i + 1) % failEvery == 0) {
            byte[] err = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(500, err.length);
            ex.getResponseBody().write(err);
            ex.close();
            return;
        }
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            sleep(ttftMs.applyAsInt(i));
            out.write(frame("{\"id\":\"c\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":null}]}"));
            for (int t = 0; t < tokens; t++) {
                if (t > 0) {
                    sleep(gapMs);
                }
                out.write(frame("{\"id\":\"c\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" w" + t
                        + "\",\"finish_reason\":" + (t == tokens - 1 ? "\"length\"" : "null") + "}]}"));
                out.flush();
            }
            out.write(frame("{\"id\":\"c\",\"object\":\"text_completion\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                    + "\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (7 + tokens) + "}}"));
            out.write(frame("[DONE]"));
        }
    }

    private static byte[] frame(String data) {
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
