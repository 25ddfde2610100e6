package io.flotilla.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ServeBenchTest {
    /** Scheduling noise allowed on a shared, busy machine. */
    static final double SLACK_MS = 300;

    @Test
    void ttftTpotAndLatencyFollowTheServersDelays() throws Exception {
        // after one warm-up request, request i waits 40 * i ms for its first token, then 5 tokens 20 ms apart
        try (FakeOpenAiServer server = new FakeOpenAiServer(5, i -> 40 * i, 20, 0);
             OpenAiStreamClient client = new OpenAiStreamClient(server.url(), "m", null, true)) {
            ServeBenchConfig c = new ServeBenchConfig(10, 1, 0, 16, 5, 0, 1, 0, 0);
            ServeBench.probe(client, c);
            ServeBenchStats s = ServeBench.run(c, client);
            assertThat(s.errors()).as(String.valueOf(s.errorSamples())).isZero();
            assertThat(s.completed()).isEqualTo(10);
            assertThat(s.outputTokens()).isEqualTo(50);
            assertThat(s.promptTokens()).isEqualTo(70);
            // TTFTs 40..400 ms: p50 220, p90 364, p99 396.4 by linear interpolation
            assertBetween(s.ttftMs().p50(), 220);
            assertBetween(s.ttftMs().p90(), 364);
            assertBetween(s.ttftMs().p99(), 396.4);
            assertBetween(s.ttftMs().mean(), 220);
            assertThat(s.ttftMs().p90() - s.ttftMs().p50()).isGreaterThan(144 - SLACK_MS);
            assertThat(s.tpotMs().p50()).isBetween(20 * 0.8, 20 + SLACK_MS / 4);
            assertThat(s.itlMs().count()).isEqualTo(40);
            assertThat(s.itlMs().p50()).isBetween(20 * 0.8, 20 + SLACK_MS / 4);
            assertBetween(s.e2eMs().p50(), 220 + 4 * 20);
            assertThat(s.requestsPerSecond()).isCloseTo(10 / s.durationSeconds(), within(1e-9));
            assertThat(s.outputTokensPerSecond()).isCloseTo(50 / s.durationSeconds(), within(1e-9));
        }
    }

    @Test
    void requestsStreamWithUsageAndFixedLength() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(2, i -> 0, 0, 0);
             OpenAiStreamClient client = new OpenAiStreamClient(server.url(), "tiny", "k-123", true)) {
            ServeBench.run(new ServeBenchConfig(3, 2, 0, 12, 9, 4, 7, 0, 0), client);
            JsonNode body = new ObjectMapper().readTree(server.bodies.getFirst());
            assertThat(body.get("model").asText()).isEqualTo("tiny");
            assertThat(body.get("max_tokens").asInt()).isEqualTo(9);
            assertThat(body.get("stream").asBoolean()).isTrue();
            assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
            assertThat(body.get("ignore_eos").asBoolean()).isTrue();
            assertThat(body.get("prompt").asText().split(" ")).hasSize(12);
            assertThat(server.authorizations).containsOnly("Bearer k-123");
            String[] prefixes = server.bodies.stream().map(b -> b.substring(b.indexOf("\"prompt\""))
                    .split(" ")).map(w -> String.join(" ", Arrays.copyOf(w, 4))).distinct().toArray(String[]::new);
            assertThat(prefixes).hasSize(1); // the 4-word shared prefix
        }
    }

    @Test
    void goodputCountsOnlyRequestsWithinEverySlo() {
        RequestTiming[] r = {
            new RequestTiming(50, new double[] {10}, 70, 3, 5, null),   // TTFT 50, TPOT 10: good
            new RequestTiming(150, new double[] {10}, 170, 3, 5, null), // TTFT over 100
            new RequestTiming(50, new double[] {40}, 130, 3, 5, null),  // TPOT 40 over 20
            new RequestTiming(20, new double[0], 20, 1, 5, null),       // one token: no TPOT to miss
            RequestTiming.failed("HTTP 503")};
        ServeBenchStats s = ServeBenchStats.of(new ServeBenchConfig(5, 1, 0, 4, 3, 0, 1, 100, 20), r, 2.0);
        assertThat(s.goodRequests()).isEqualTo(2);
        assertThat(s.goodputRequestsPerSecond()).isEqualTo(1.0);
        assertThat(s.completed()).isEqualTo(4);
        assertThat(s.errors()).isEqualTo(1);
        assertThat(s.outputTokens()).isEqualTo(10);
        assertThat(s.tpotMs().count()).isEqualTo(3);
        assertThat(s.tpotMs().p50()).isEqualTo(10);
    }

    @Test
    void aFailingFirstRequestStopsTheBenchmarkWithItsError() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(2, i -> 0, 0, 1);
             OpenAiStreamClient client = new OpenAiStreamClient(server.url(), null, null, true)) {
            assertThatThrownBy(() -> ServeBench.probe(client, new ServeBenchConfig(1, 1, 0, 4, 2, 0, 1, 0, 0)))
                    .hasMessageContaining(server.url() + "/v1/completions").hasMessageContaining("HTTP 500");
        }
    }

    @Test
    void serverErrorsAreCountedAndNamed() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(2, i -> 0, 0, 3);
             OpenAiStreamClient client = new OpenAiStreamClient(server.url(), null, null, true)) {
            ServeBenchStats s = ServeBench.run(new ServeBenchConfig(9, 1, 0, 4, 2, 0, 1, 0, 0), client);
            assertThat(s.errors()).isEqualTo(3);
            assertThat(s.completed()).isEqualTo(6);
            assertThat(s.errorSamples()).singleElement().asString().contains("HTTP 500", "overloaded");
        }
    }

    @Test
    void anUnreachableServerGivesErrorsNotExceptions() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (OpenAiStreamClient client = new OpenAiStreamClient(URI.create("http://127.0.0.1:" + port), null, null, true)) {
            ServeBenchStats s = ServeBench.run(new ServeBenchConfig(2, 1, 0, 4, 2, 0, 1, 0, 0), client);
            assertThat(s.errors()).isEqualTo(2);
            assertThat(s.errorSamples().getFirst()).contains("ConnectException");
            assertThat(s.ttftMs().count()).isZero();
        }
    }

    @Test
    void poissonArrivalsAreSeededWithTheMeanGapOfTheRate() {
        long[] a = ServeBench.arrivalNanos(50, 2000, 3);
        assertThat(a).isEqualTo(ServeBench.arrivalNanos(50, 2000, 3));
        assertThat(a).isNotEqualTo(ServeBench.arrivalNanos(50, 2000, 4));
        assertThat(a[0]).isZero();
        assertThat(a).isSorted();
        assertThat(a[a.length - 1] / 1e9 / (a.length - 1)).isCloseTo(1 / 50.0, within(0.002));
    }

    @Test
    void rateModeSendsEveryRequest() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(2, i -> 10, 5, 0);
             OpenAiStreamClient client = new OpenAiStreamClient(server.url(), null, null, true)) {
            ServeBenchStats s = ServeBench.run(new ServeBenchConfig(8, 0, 40, 4, 2, 0, 1, 0, 0), client);
            assertThat(s.completed()).isEqualTo(8);
            assertThat(server.bodies).hasSize(8);
        }
    }

    @Test
    void theServedModelIsFoundWhenNotGiven() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(1, i -> 0, 0, 0)) {
            assertThat(OpenAiStreamClient.firstServedModel(server.url(), null)).contains("fake-model");
            assertThat(OpenAiStreamClient.firstServedModel(URI.create(server.url() + "/nothing"), null)).isEmpty();
        }
    }

    @Test
    void endpointAcceptsBaseOrFullUrls() {
        assertThat(OpenAiStreamClient.endpoint(URI.create("http://127.0.0.1:8080")))
                .hasToString("http://127.0.0.1:8080/v1/completions");
        assertThat(OpenAiStreamClient.endpoint(URI.create("http://127.0.0.1:8080/v1/")))
                .hasToString("http://127.0.0.1:8080/v1/completions");
        assertThat(OpenAiStreamClient.endpoint(URI.create("http://h/x/v1/completions")))
                .hasToString("http://h/x/v1/completions");
    }

    private static void assertBetween(double measured, double expected) {
        assertThat(measured).isBetween(expected, expected + SLACK_MS);
    }
}
