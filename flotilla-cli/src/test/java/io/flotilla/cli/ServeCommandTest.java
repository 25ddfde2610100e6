package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
    @TempDir
    Path tmp;

    private static String model() {
        return CliRun.tinyStories();
    }

    @Test
    void servesCompletionsUntilStopped() throws Exception {
        Path keys = Files.writeString(tmp.resolve("keys"), "# key tenant weight rpm tpm\nsk-test team 1 100 0\n");
        try (ServeProcess serve = ServeProcess.start(tmp, "--model", model(), "--threads", "1", "--ctx", "128",
                "--name", "tiny", "--api-keys", keys.toString());
             HttpClient http = HttpClient.newHttpClient()) {
            String base = serve.base();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                    .header("Authorization", "Bearer sk-test")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"tiny\",\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}"))
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode o = new ObjectMapper().readTree(r.body());
            assertThat(o.get("choices").get(0).get("text").asText()).startsWith(", a little girl");
            assertThat(o.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
            assertThat(serve.output()).contains("flotilla serve: tiny on http://127.0.0.1:", "API keys required");
        }
    }

    @Test
    void badKeyFileNamesTheLine() throws Exception {
        Path keys = Files.writeString(tmp.resolve("keys"), "sk-1 a\nsk-2 b many\n");
        CliRun run = CliRun.of("serve", "--model", "unused.gguf", "--api-keys", keys.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(keys + " line 2");
    }
}
