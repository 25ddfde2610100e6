package io.flotilla.server.openai;

import static io.flotilla.server.ApiErrorAssert.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.server.ServerConfig;
import io.flotilla.server.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API over plain java.net.http against a real server and model: exact shapes, SSE bytes, errors. */
class RawHttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        // concurrentRequestsEachGetTheirOwnText compares greedy text in a batch with the text alone: through
        // the float GEMM (prompts and batched steps of 4+ tokens) a near-tie of the real TinyStories model
        // can flip a token (seen in CI: "...small house with her mom" alone, "...small house. She loved"
        // batched), so this server runs batch-invariant; Compute reads the property when the model loads
        System.setProperty("flotilla.batchInvariant", "true");
        try {
            server = TestServer.start(ServerConfig.local(0));
        } finally {
            System.clearProperty("flotilla.batchInvariant");
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static String completion(String extra) {
        return "{\"model\":\"tinystories\",\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0" + extra + "}";
    }

    private static String chat(String extra) {
        return "{\"model\":\"tinystories\",\"messages\":[{\"role\":\"system\",\"content\":\"Tell a story.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Once upon a time\"}]}],"
                + "\"max_completion_tokens\":12,\"temperature\":0" + extra + "}";
    }

    /** The data of each SSE frame, checking the framing byte for byte. */
    private static List<String> frames(String body) {
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<String> data = new ArrayList<>();
        for (String frame : body.split("\n\n", -1)) {
            if (frame.isEmpty()) {
                continue;
            }
            assertThat(frame).startsWith("data: ").doesNotContain("\n");
            data.add(frame.substring(6));
        }
        return data;
    }

    @Test
    void completionIsShapedAsOpenAis() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", completion(""));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        JsonNode o = json(r);
        assertThat(o.fieldNames()).toIterable().containsExactly("id", "object", "created", "model", "choices", "usage");
        assertThat(o.get("id").asText()).startsWith("cmpl-");
        assertThat(o.get("object").asText()).isEqualTo("text_completion");
        assertThat(o.get("model").asText()).isEqualTo("tinystories");
        JsonNode c = o.get("choices").get(0);
        assertThat(c.fieldNames()).toIterable().containsExactly("text", "index", "logprobs", "finish_reason");
        assertThat(c.get("text").asText()).startsWith(", a little girl named Lily");
        assertThat(c.get("finish_reason").asText()).isEqualTo("length");
        assertThat(c.get("logprobs").isNull()).isTrue();
        JsonNode u = o.get("usage");
        assertThat(u.get("prompt_tokens").asInt()).isEqualTo(server.model.encodePrompt("Once upon a time").length);
        assertThat(u.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(u.get("total_tokens").asInt()).isEqualTo(u.get("prompt_tokens").asInt() + 12);
    }

    @Test
    void chatStreamFramesAreOpenAisAndAddUpToTheWholeResponse() throws Exception {
        JsonNode whole = json(server.post("/v1/chat/completions", chat("")));
        assertThat(whole.get("object").asText()).isEqualTo("chat.completion");
        JsonNode message = whole.get("choices").get(0).get("message");
        assertThat(message.get("role").asText()).isEqualTo("assistant");
        String expected = message.get("content").asText();

        HttpResponse<String> r = server.post("/v1/chat/completions",
                chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("text/event-stream; charset=utf-8");
        List<String> data = frames(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode first = JSON.readTree(data.getFirst());
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("choices").get(0).get("delta").toString())
                .isEqualTo("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String d : data.subList(0, data.size() - 2)) {
            JsonNode chunk = JSON.readTree(d);
            assertThat(chunk.fieldNames()).toIterable()
                    .containsExactly("id", "object", "created", "model", "choices", "usage");
            assertThat(chunk.get("usage").isNull()).isTrue();
            assertThat(chunk.get("id").asText()).isEqualTo(first.get("id").asText());
            JsonNode c = chunk.get("choices").get(0);
            text.append(c.get("delta").path("content").asText(""));
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
                assertThat(c.get("delta").toString()).isEqualTo("{}");
            }
        }
        assertThat(text.toString()).isEqualTo(expected);
        assertThat(finish).isEqualTo(whole.get("choices").get(0).get("finish_reason").asText());
        JsonNode usage = JSON.readTree(data.get(data.size() - 2));
        assertThat(usage.get("choices").isEmpty()).isTrue();
        assertThat(usage.get("usage").get("completion_tokens").asInt())
                .isEqualTo(whole.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void stopStringsEndTheTextWithoutLeakingPartialMatches() throws Exception {
        String full = json(server.post("/v1/completions", completion(""))).get("choices").get(0).get("text").asText();
        int at = full.indexOf("Lily");
        assertThat(at).isPositive();
        JsonNode stopped = json(server.post("/v1/completions", completion(",\"stop\":[\"Lily\",\"zzz\"]")));
        JsonNode c = stopped.get("choices").get(0);
        assertThat(c.get("text").asText()).isEqualTo(full.substring(0, at));
        assertThat(c.get("finish_reason").asText()).isEqualTo("stop");

        List<String> data = frames(server.post("/v1/completions", completion(",\"stop\":\"Lily\",\"stream\":true")).body());
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            text.append(JSON.readTree(d).get("choices").get(0).get("text").asText());
        }
        assertThat(text.toString()).isEqualTo(full.substring(0, at));
        assertThat(JSON.readTree(data.get(data.size() - 2)).get("choices").get(0).get("finish_reason").asText())
                .isEqualTo("stop");
    }

    @Test
    void logprobsInBothFormats() throws Exception {
        JsonNode chat = json(server.post("/v1/chat/completions",
                chat(",\"max_completion_tokens\":3,\"logprobs\":true,\"top_logprobs\":2")));
        JsonNode content = chat.get("choices").get(0).get("logprobs").get("content");
        assertThat(content).hasSize(3);
        JsonNode first = content.get(0);
        assertThat(first.fieldNames()).toIterable().containsExactly("token", "logprob", "bytes", "top_logprobs");
        assertThat(first.get("top_logprobs")).hasSize(2);
        // greedy: the sampled token is the most likely one
        assertThat(first.get("top_logprobs").get(0).get("token").asText()).isEqualTo(first.get("token").asText());

        JsonNode legacy = json(server.post("/v1/completions", completion(",\"max_tokens\":3,\"logprobs\":1")))
                .get("choices").get(0).get("logprobs");
        assertThat(legacy.fieldNames()).toIterable().containsExactly("tokens", "token_logprobs", "top_logprobs", "text_offset");
        assertThat(legacy.get("tokens")).hasSize(3);
        assertThat(legacy.get("text_offset").get(0).asInt()).isZero();
        assertThat(legacy.get("top_logprobs").get(0).size()).isEqualTo(1);
    }

    @Test
    void nChoicesAndPromptBatches() throws Exception {
        JsonNode o = json(server.post("/v1/completions",
                "{\"model\":\"tinystories\",\"prompt\":[\"Once upon a time\",\"The cat\"],\"n\":2,\"max_tokens\":4,"
                        + "\"temperature\":1,\"seed\":7}"));
        assertThat(o.get("choices")).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(o.get("choices").get(i).get("index").asInt()).isEqualTo(i);
        }
        assertThat(o.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
    }

    @Test
    void badRequestsGetOpenAiErrorObjectsNamingTheField() throws Exception {
        assertError(server.post("/v1/chat/completions", "{\"model\":"), 400, null, "invalid_json");
        assertError(server.post("/v1/chat/completions", "[1]"), 400, null, "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"temperature\":3")), 400, "temperature", "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"max_tokens\":\"x\"")), 400, "max_tokens", "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"n\":0")), 400, "n", "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"stop\":[1]")), 400, "stop[0]", "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"top_logprobs\":2")), 400, "top_logprobs", "invalid_value");
        assertError(server.post("/v1/chat/completions", chat(",\"stream\":\"yes\"")), 400, "stream", "invalid_value");
        assertError(server.post("/v1/chat/completions", "{\"model\":\"tinystories\"}"), 400, "messages", "invalid_value");
        assertError(server.post("/v1/chat/completions", "{\"model\":\"tinystories\",\"messages\":[{\"role\":\"robot\","
                + "\"content\":\"x\"}]}"), 400, "messages[0].role", "invalid_value");
        assertError(server.post("/v1/completions", "{\"model\":\"tinystories\",\"prompt\":[1,99999]}"), 400, "prompt",
                "invalid_value");
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\"}"), 400, "model", "invalid_value");
    }

    @Test
    void unknownModelIs404() throws Exception {
        JsonNode e = assertError(server.post("/v1/chat/completions", chat(",\"model\":\"gpt-9\"")), 404, "model",
                "model_not_found");
        assertThat(e.get("message").asText()).contains("gpt-9");
        assertError(server.get("/v1/models/gpt-9"), 404, "model", "model_not_found");
        assertError(server.get("/v1/nothing"), 404, null, "unknown_url");
    }

    @Test
    void promptBeyondTheContextIs400WithBothNumbers() throws Exception {
        StringBuilder ids = new StringBuilder("1");
        for (int i = 1; i < 300; i++) {
            ids.append(",").append(100 + i % 500);
        }
        JsonNode e = assertError(server.post("/v1/completions", "{\"model\":\"tinystories\",\"prompt\":[" + ids + "]}"),
                400, "prompt", "context_length_exceeded");
        assertThat(e.get("message").asText()).contains("256").contains("300");
    }

    @Test
    void concurrentRequestsEachGetTheirOwnText() throws Exception {
        String[] prompts = {"Once upon a time", "The dog", "Lily and Ben", "One day", "The sun was"};
        String[] alone = new String[prompts.length];
        for (int i = 0; i < prompts.length; i++) {
            alone[i] = json(server.post("/v1/completions", "{\"model\":\"tinystories\",\"prompt\":\"" + prompts[i]
                    + "\",\"max_tokens\":8,\"temperature\":0}")).get("choices").get(0).get("text").asText();
        }
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (String p : prompts) {
            together.add(server.http.sendAsync(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(server.url() + "/v1/completions"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"tinystories\",\"prompt\":\""
                            + p + "\",\"max_tokens\":8,\"temperature\":0,\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < prompts.length; i++) {
            List<String> data = frames(together.get(i).get().body());
            StringBuilder text = new StringBuilder();
            for (String d : data.subList(0, data.size() - 1)) {
                text.append(JSON.readTree(d).get("choices").get(0).get("text").asText());
            }
            assertThat(text.toString()).as(prompts[i]).isEqualTo(alone[i]);
        }
    }

    @Test
    void logsCarryTheRequestId() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(OpenAiRoutes.class);
        // Message and MDC are copied on the logging thread into a concurrent queue: the server logs
        // "request done" after it has sent the response, so the test may read while it logs, and an
        // event's lazily read MDC is only safe to read on the thread that logged it.
        Queue<Map.Entry<String, Map<String, String>>> seen = new ConcurrentLinkedQueue<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.AppenderBase<>() {
                    @Override
                    protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                        seen.add(Map.entry(e.getFormattedMessage(), Map.copyOf(e.getMDCPropertyMap())));
                    }
                };
        appender.start();
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logger.addAppender(appender);
        try {
            HttpResponse<String> r = server.post("/v1/completions", completion(",\"max_tokens\":2,\"user\":\"u-42\""));
            String id = json(r).get("id").asText();
            assertThat(r.headers().firstValue("x-request-id")).contains(id);
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen).anySatisfy(e -> {
                assertThat(e.getValue()).containsEntry("request_id", id);
                assertThat(e.getKey()).contains("tenant=default", "user=u-42", "completion_tokens=2");
            }));
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
    }

    @Test
    void modelsHealthReadyMetrics() throws Exception {
        JsonNode models = json(server.get("/v1/models"));
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("tinystories");
        assertThat(models.get("data").get(0).get("object").asText()).isEqualTo("model");
        assertThat(json(server.get("/v1/models/tinystories")).get("owned_by").asText()).isEqualTo("flotilla");
        assertThat(server.get("/health").statusCode()).isEqualTo(200);
        assertThat(server.get("/ready").statusCode()).isEqualTo(200);
        server.post("/v1/completions", completion(",\"max_tokens\":2"));
        HttpResponse<String> metrics = server.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("flotilla_time_to_first_token_seconds_bucket",
                "flotilla_inter_token_latency_seconds_bucket", "flotilla_e2e_request_latency_seconds_bucket",
                "flotilla_request_queue_time_seconds_bucket", "flotilla_requests_running", "flotilla_requests_waiting",
                "flotilla_kv_blocks_used", "flotilla_kv_blocks_free", "flotilla_prefix_cache_hit_rate",
                "flotilla_prompt_tokens_total", "flotilla_generation_tokens_total",
                "flotilla_tenant_requests_total{finish_reason=\"length\",tenant=\"default\"}",
                "flotilla_tenant_generation_tokens_total{tenant=\"default\"}");
    }
}
