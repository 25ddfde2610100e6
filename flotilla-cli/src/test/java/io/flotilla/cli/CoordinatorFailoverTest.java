package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.gguf.GgufFile;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeLauncher;
import io.flotilla.placement.GgufModelSpec;
import io.flotilla.placement.ModelSpec;
import io.flotilla.server.FlotillaServer;
import io.flotilla.server.LocalServedModel;
import io.flotilla.server.LocalServingConfig;
import io.flotilla.server.ServerConfig;
import io.flotilla.testkit.FreePorts;
import io.flotilla.testkit.SharedData;
import io.flotilla.transport.ClusterToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code flotilla node} processes on 127.0.0.1, two of them candidates ({@code --api-port}), one
 * without a model file (it receives its tensors from peers): the first coordinates; after it is
 * SIGKILLed the next oldest takes over, re-plans over the survivors and serves the single-node text.
 */
class CoordinatorFailoverTest {
    private static final ClusterToken TOKEN = ClusterToken.of("failover test token, long enough");
    private static final String CHAT = "{\"model\":\"TinyStories-656K-Q8_0\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Once upon a time\"}],\"max_tokens\":20,\"temperature\":0}";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path logs;
    private final Map<String, Process> processes = new LinkedHashMap<>();

    @AfterEach
    void kill() {
        NodeLauncher.stopAll(processes.values());
    }

    private void node(String id, int port, int apiPort, List<InetSocketAddress> join, Path model, long memory)
            throws IOException {
        NodeConfig config = new NodeConfig(id, "failover-" + ProcessHandle.current().pid(), TOKEN, "127.0.0.1", port,
                0, join, 1, memory, model).withShardCache(logs.resolve("shards"));
        List<String> flags = model == null ? List.of("node") : List.of("node", "--api-port", Integer.toString(apiPort),
                "--ctx", "128", "--max-num-seqs", "2");
        processes.put(id, NodeLauncher.launch(config, List.of("-DFLOTILLA_LOG_LEVEL=INFO"), Main.class.getName(), flags,
                logs.resolve(id + ".log")));
    }

    @Test
    void nextOldestNodeTakesOverAndServesTheSingleNodeText() throws Exception {
        Path model = SharedData.tinyStoriesGguf();
        String expected;
        LocalServingConfig local = LocalServingConfig.defaults(1).withContextLength(128).withMaxNumSeqs(2);
        try (LocalServedModel single = LocalServedModel.start(model, local);
             FlotillaServer server = new FlotillaServer(single, ServerConfig.local(0)).start()) {
            expected = content(chat("http://127.0.0.1:" + server.port()));
        }
        long memory;
        try (GgufFile file = GgufFile.open(model)) { // any two of the three nodes hold the model, one cannot
            ModelSpec spec = GgufModelSpec.of(file);
            memory = (long) ((spec.weightBytes() + spec.kvBytesPerToken() * 128 * 2) * 0.6);
        }
        int[] free = FreePorts.loopback(6);
        int[] ports = Arrays.copyOfRange(free, 0, 3);
        int[] api = Arrays.copyOfRange(free, 3, 6);
        List<InetSocketAddress> join = new ArrayList<>();
        String[] ids = {"node-a", "node-b", "node-c"};
        for (int i = 0; i < 3; i++) {
            node(ids[i], ports[i], api[i], join, i < 2 ? model : null, memory); // node-c has no copy
            join.add(new InetSocketAddress("127.0.0.1", ports[i]));
            if (i == 0) { // the first forms the group (and so coordinates) before the others join
                awaitReadyOrAlive("http://127.0.0.1:" + api[0], ids[0]);
            }
        }
        String first = "http://127.0.0.1:" + api[0];
        JsonNode before = awaitStatus(first, s -> s.get("stages").size() >= 2 && s.get("nodes").size() == 3);
        assertThat(before.findValuesAsText("api")).as("candidates and where they would serve")
                .containsExactly(first, "http://127.0.0.1:" + api[1], "null");
        assertThat(content(chat(first))).isEqualTo(expected).isNotBlank();

        assertThat(processes.get("node-a").destroyForcibly().waitFor(30, TimeUnit.SECONDS)).as("node-a killed")
                .isTrue(); // SIGKILL
        String second = "http://127.0.0.1:" + api[1];
        JsonNode status = awaitStatus(second, s -> s.get("plan_version").asLong() > 0
                && s.get("problem").isNull() && !s.get("stages").toString().contains("node-a"));
        // every member learns each plan's number, with a stage in it or not: whichever two nodes served
        // before, the new coordinator numbers after the old one's plans
        assertThat(status.get("plan_version").asLong()).as("numbered after the old coordinator's plans")
                .isGreaterThan(before.get("plan_version").asLong());
        assertThat(content(chat(second))).as(log("node-b")).isEqualTo(expected);
        assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api[2]
                + "/ready")).build(), HttpResponse.BodyHandlers.discarding()))
                .as("node-c is no coordinator: nothing listens on its API port").isInstanceOf(IOException.class);
        assertThat(logs.resolve("shards")).as("node-c received its tensors")
                .isDirectoryContaining(p -> p.getFileName().toString().startsWith("node-c-sha256-"));
    }

    /** Waits until {@code url} answers /ready or, while no plan is possible (one node), its status. */
    private void awaitReadyOrAlive(String url, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (status(url) != null) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no API on " + url + ":\n" + log(id));
    }

    private JsonNode awaitStatus(String url, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = status(url);
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("status of " + url + " stayed " + last + "\nnode-a:\n" + log("node-a")
                + "\nnode-b:\n" + log("node-b") + "\nnode-c:\n" + log("node-c"));
    }

    private static JsonNode status(String url) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + UpCommand.STATUS_PATH))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
        } catch (IOException notYet) {
            return null;
        }
    }

    private String log(String id) {
        try {
            return Files.readString(logs.resolve(id + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static JsonNode chat(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(180))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private static String content(JsonNode response) {
        return response.get("choices").get(0).get("message").get("content").asText();
    }
}
