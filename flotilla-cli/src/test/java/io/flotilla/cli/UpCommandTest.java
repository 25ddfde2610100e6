package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.gguf.GgufFile;
import io.flotilla.placement.GgufModelSpec;
import io.flotilla.placement.ModelSpec;
import io.flotilla.server.FlotillaServer;
import io.flotilla.server.LocalServedModel;
import io.flotilla.server.LocalServingConfig;
import io.flotilla.server.ServerConfig;
import io.flotilla.testkit.FreePorts;
import io.flotilla.testkit.SharedData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code flotilla up} and {@code flotilla cluster status} with node processes on 127.0.0.1. */
class UpCommandTest {
    private static final String PROMPT = "Once upon a time";

    @TempDir
    Path logs;

    @Test
    void upWithAPromptPrintsTheSingleNodeTextThroughTwoStages() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        long limit;
        try (GgufFile file = GgufFile.open(model)) {
            ModelSpec spec = GgufModelSpec.of(file);
            limit = (long) ((spec.weightBytes() + spec.kvBytesPerToken() * 128 * 4) * 0.6); // two nodes needed
        }
        CliRun up = CliRun.of("up", "--nodes", "2", "--model", model.toString(), "--threads-per-node", "1",
                "--memory", Long.toString(limit), "--ctx", "128", "--port", "0", "--log-dir", logs.toString(),
                "--prompt", PROMPT, "--max-tokens", "24");
        CliRun single = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--max-tokens", "24",
                "--temperature", "0", "--ctx", "128", "--threads", "1");
        assertThat(up.exitCode()).as(up.err()).isZero();
        assertThat(up.err()).containsPattern("through node-\\d -> node-\\d;");
        assertThat(up.out().strip()).isEqualTo(single.out().strip()).startsWith(PROMPT).hasSizeGreaterThan(40);
    }

    @Test
    void clusterStatusShowsNodesCapacityAndPlacement() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        int port = FreePorts.loopback();
        Thread up = Thread.ofPlatform().name("flotilla-up").start(() -> new CommandLine(new Main()).execute("up",
                "--nodes", "1", "--model", model.toString(), "--threads-per-node", "1", "--ctx", "128",
                "--port", Integer.toString(port), "--log-dir", logs.toString()));
        try {
            String url = "http://127.0.0.1:" + port;
            JsonNode status = null;
            for (int i = 0; i < 600 && (status == null || status.get("plan_version").asLong() < 1); i++) {
                Thread.sleep(100);
                CliRun run = CliRun.of("cluster", "status", "--url", url, "--json");
                status = run.exitCode() == 0 ? new ObjectMapper().readTree(run.out()) : null;
            }
            assertThat(status).isNotNull();
            assertThat(status.get("objective").asText()).isEqualTo("latency");
            JsonNode node = status.get("nodes").get(0);
            assertThat(node.get("id").asText()).isEqualTo("node-0");
            assertThat(node.get("alive").asBoolean()).isTrue();
            assertThat(node.get("pid").asLong()).isPositive();
            assertThat(node.get("address").asText()).startsWith("127.0.0.1:");
            assertThat(node.get("layers").toString()).isEqualTo("[0,2]");
            assertThat(node.get("capacity").get("usable_memory_bytes").asLong()).isPositive();
            assertThat(status.get("replicas").toString()).isEqualTo("[[\"node-0\"]]");
            JsonNode link = status.get("links").get(0);
            assertThat(link.get("from").asText() + " -> " + link.get("to").asText()).isEqualTo("coordinator -> node-0");
            assertThat(link.get("rtt_seconds").asDouble()).isPositive();
            assertThat(link.get("bytes_per_second").asDouble()).isPositive();
            CliRun text = CliRun.of("cluster", "status", "--url", url);
            assertThat(text.out()).contains("node-0").contains("[0, 2)").contains("plan 1 (latency)")
                    .contains("link coordinator -> node-0: RTT");
        } finally {
            up.interrupt();
            up.join(20_000);
        }
    }

    @Test
    void upServesTheOpenAiApiOverThePipelineWithTheSingleNodeGreedyText() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        String chat = "{\"model\":\"TinyStories-656K-Q8_0\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Once upon a time\"}],\"max_tokens\":20,\"temperature\":0}";
        String expected;
        LocalServingConfig local = LocalServingConfig.defaults(1).withContextLength(128).withMaxNumSeqs(2);
        try (LocalServedModel single = LocalServedModel.start(model, local);
             FlotillaServer server = new FlotillaServer(single, ServerConfig.local(0)).start()) {
            expected = content(post("http://127.0.0.1:" + server.port(), chat));
        }
        int port = FreePorts.loopback();
        Thread up = Thread.ofPlatform().name("flotilla-up").start(() -> new CommandLine(new Main()).execute("up",
                "--nodes", "2", "--model", model.toString(), "--threads-per-node", "1", "--ctx", "128",
                "--max-num-seqs", "2", "--port", Integer.toString(port), "--log-dir", logs.toString()));
        try {
            String url = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newHttpClient();
            UpPrefixCachingTest.awaitReady(url);
            assertThat(content(post(url, chat))).isEqualTo(expected).isNotBlank();
            JsonNode status = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(
                    URI.create(url + UpCommand.STATUS_PATH)).timeout(Duration.ofSeconds(180)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(status.get("nodes")).hasSize(2);
        } finally {
            up.interrupt();
            up.join(20_000);
        }
    }

    private static JsonNode post(String url, String json) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(url + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(180)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private static String content(JsonNode response) {
        return response.get("choices").get(0).get("message").get("content").asText();
    }
}
