package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
    @TempDir
    Path tmp;

    private static String model() {
        Path p = Path.of(System.getProperty("flotilla.shared", "../shared"),
                "models/tinystories-656k/TinyStories-656K-Q8_0.gguf").toAbsolutePath().normalize();
        assumeTrue(Files.exists(p), "../shared not found: skipping");
        return p.toString();
    }

    @Test
    void servesCompletionsUntilStopped() throws Exception {
        Path portFile = tmp.resolve("port");
        Path keys = Files.writeString(tmp.resolve("keys"), "# key tenant weight rpm tpm\nsk-test team 1 100 0\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--model", model(), "--port", "0",
                "--port-file", portFile.toString(), "--threads", "1", "--ctx", "128", "--name", "tiny",
                "--api-keys", keys.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!(Files.exists(portFile) && Files.size(portFile) > 0) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(p.isAlive()).as(Files.readString(tmp.resolve("out"))).isTrue();
            String base = "http://127.0.0.1:" + Files.readString(portFile).strip();
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
            assertThat(Files.readString(tmp.resolve("out"))).contains("flotilla serve: tiny on http://127.0.0.1:",
                    "API keys required");
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
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
