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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code flotilla up} serves prompts that share a prefix from its cache, with the single-node greedy text. */
class UpPrefixCachingTest {
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the sun with her dog Max. One day, Lily and Max went to the park to play with a red ball."
            + " They ran and jumped and laughed all day long. When the sun went down, they went home happy.";

    @TempDir
    Path logs;

    @Test
    void aSecondPromptWithTheSamePrefixReusesCachedBlocksThroughThePipeline() throws Exception {
        String model = CliRun.tinyStories();
        List<String> prompts = List.of(STORY + " Lily saw", STORY + " Max ran to");
        List<String> expected = new ArrayList<>();
        LocalServingConfig local = LocalServingConfig.defaults(1).withContextLength(256).withMaxNumSeqs(2)
                .withPrefixCaching(false);
        try (LocalServedModel single = LocalServedModel.start(Path.of(model), local);
             FlotillaServer server = new FlotillaServer(single, ServerConfig.local(0)).start()) {
            for (String prompt : prompts) {
                expected.add(text(complete("http://127.0.0.1:" + server.port(), prompt)));
            }
        }
        long limit; // two nodes needed
        try (GgufFile file = GgufFile.open(Path.of(model))) {
            ModelSpec spec = GgufModelSpec.of(file);
            limit = (long) ((spec.weightBytes() + spec.kvBytesPerToken() * 256 * 2) * 0.6);
        }
        int port = FreePorts.loopback();
        Thread up = Thread.ofPlatform().name("flotilla-up").start(() -> new CommandLine(new Main()).execute("up",
                "--nodes", "2", "--model", model, "--threads-per-node", "1", "--ctx", "256", "--max-num-seqs", "2",
                "--memory", Long.toString(limit), "--port", Integer.toString(port), "--log-dir", logs.toString()));
        try {
            String url = "http://127.0.0.1:" + port;
            awaitReady(url);
            JsonNode status = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(url + UpCommand.STATUS_PATH)).timeout(Duration.ofSeconds(180)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(status.get("nodes").findValues("layers")).extracting(JsonNode::toString)
                    .containsExactlyInAnyOrder("[0,1]", "[1,2]"); // two stages
            JsonNode first = complete(url, prompts.get(0));
            JsonNode second = complete(url, prompts.get(1));
            assertThat(List.of(text(first), text(second))).isEqualTo(expected);
            assertThat(first.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
            assertThat(second.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt())
                    .as("full 16-token blocks of the shared story").isGreaterThanOrEqualTo(32);
        } finally {
            up.interrupt();
            up.join(20_000);
        }
    }

    /** Waits up to a minute for {@code url}/ready to answer 200 (shared with UpCommandTest). */
    static void awaitReady(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int ready = 0;
        for (int i = 0; i < 600 && ready != 200; i++) {
            Thread.sleep(100);
            try {
                ready = http.send(HttpRequest.newBuilder(URI.create(url + "/ready"))
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException notYet) {
                ready = 0;
            }
        }
        assertThat(ready).isEqualTo(200);
    }

    private static JsonNode complete(String url, String prompt) throws Exception {
        String body = new ObjectMapper().createObjectNode().put("model", "TinyStories-656K-Q8_0").put("prompt", prompt)
                .put("max_tokens", 12).put("temperature", 0).toString();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(url + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(180)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private static String text(JsonNode response) {
        return response.get("choices").get(0).get("text").asText();
    }
}
