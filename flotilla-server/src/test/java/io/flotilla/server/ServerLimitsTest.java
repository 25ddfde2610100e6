package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.sched.SchedulerStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the server does around the engine, with a scripted executor (a fixed token every 20 ms,
 * never an end) and the real tokenizer: disconnects abort, the queue limit answers 503, keys
 * and quotas answer 401 and 429.
 */
class ServerLimitsTest {
    private static final String STREAM = "{\"model\":\"tinystories\",\"prompt\":\"Once upon a time\",\"stream\":true,"
            + "\"max_tokens\":200}";

    private static TestServer slowServer(ServerConfig config) throws Exception {
        return TestServer.start(config, (m, engine) -> new ScriptedTokenExecutor(m.encodePrompt("the")[1], 20));
    }

    @Test
    void clientDisconnectMidStreamAbortsTheRequestAndFreesItsBlocks() throws Exception {
        try (TestServer s = slowServer(ServerConfig.local(0))) {
            try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
                byte[] body = STREAM.getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                int events = 0;
                for (String line; events < 3 && (line = in.readLine()) != null; ) {
                    if (line.startsWith("data: ")) {
                        events++;
                    }
                }
                assertThat(events).isEqualTo(3);
                SchedulerStats during = s.model.engine().stats();
                assertThat(during.numRunning()).isEqualTo(1);
                assertThat(during.kvCache().usedBlocks()).isPositive();
            } // the client goes away after 3 of 200 tokens
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                SchedulerStats after = s.model.engine().stats();
                assertThat(after.numRunning()).isZero();
                assertThat(after.numWaiting()).isZero();
                assertThat(after.kvCache().usedBlocks()).isZero();
                assertThat(s.server.context().admission().inFlight()).isZero();
            });
            assertThat(s.get("/metrics").body())
                    .contains("flotilla_tenant_requests_total{finish_reason=\"abort\",tenant=\"default\"} 1.0");
        }
    }

    @Test
    void fullQueueAnswers503WithRetryAfter() throws Exception {
        try (TestServer s = slowServer(ServerConfig.local(0).withMaxQueuedRequests(1))) {
            HttpRequest first = HttpRequest.newBuilder(URI.create(s.url() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(STREAM)).build();
            CompletableFuture<HttpResponse<Stream<String>>> running =
                    s.http.sendAsync(first, HttpResponse.BodyHandlers.ofLines());
            HttpResponse<Stream<String>> streaming = running.get();
            try (Stream<String> lines = streaming.body()) {
                lines.filter(l -> l.startsWith("data: ")).findFirst(); // the first is admitted and running
                HttpResponse<String> refused = s.post("/v1/completions",
                        "{\"model\":\"tinystories\",\"prompt\":\"x\",\"max_tokens\":2}");
                assertThat(refused.headers().firstValue("retry-after")).contains("1");
                ApiErrorAssert.assertError(refused, 503, null, "overloaded");
            }
        }
    }

    @Test
    void keysAndQuotas() throws Exception {
        ApiKeys keys = ApiKeys.parse(List.of("sk-a alice 2 2", "sk-b bob 1 0 5"), "test keys");
        try (TestServer s = slowServer(ServerConfig.local(0).withApiKeys(keys))) {
            String small = "{\"model\":\"tinystories\",\"prompt\":\"Once\",\"max_tokens\":2}";
            var none = s.post("/v1/completions", small);
            ApiErrorAssert.assertError(none, 401, null, "invalid_api_key");
            var wrong = s.post("/v1/completions", small, "Authorization", "Bearer sk-x");
            ApiErrorAssert.assertError(wrong, 401, null, "invalid_api_key");
            ApiErrorAssert.assertError(s.get("/v1/models"), 401, null, "invalid_api_key");
            assertThat(s.get("/v1/models", "Authorization", "Bearer sk-a").statusCode()).isEqualTo(200);
            assertThat(s.get("/health").statusCode()).isEqualTo(200);

            assertThat(s.post("/v1/completions", small, "Authorization", "Bearer sk-a").statusCode()).isEqualTo(200);
            assertThat(s.post("/v1/completions", small, "Authorization", "Bearer sk-a").statusCode()).isEqualTo(200);
            var limited = s.post("/v1/completions", small, "Authorization", "Bearer sk-a");
            ApiErrorAssert.assertError(limited, 429, null, "rate_limit_exceeded");
            assertThat(Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 60L);

            // bob: 5 tokens a minute; the first request (2 prompt + 2 generated) passes, the second does not
            assertThat(s.post("/v1/completions", small, "Authorization", "Bearer sk-b").statusCode()).isEqualTo(200);
            var tokens = s.post("/v1/completions", small, "Authorization", "Bearer sk-b");
            ApiErrorAssert.assertError(tokens, 429, null, "rate_limit_exceeded");

            String metrics = s.get("/metrics").body();
            assertThat(metrics).contains("flotilla_tenant_rejected_total{reason=\"rate_limit_exceeded\",tenant=\"alice\"} 1.0",
                    "flotilla_tenant_requests_total{finish_reason=\"length\",tenant=\"alice\"} 2.0",
                    "flotilla_tenant_requests_total{finish_reason=\"length\",tenant=\"bob\"} 1.0");
            assertThat(s.model.engine().stats().tenants()).anySatisfy(t -> {
                assertThat(t.tenantId()).isEqualTo("alice");
                assertThat(t.weight()).isEqualTo(2.0);
            });
        }
    }
}
