package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BenchServeCommandTest {
    HttpServer server;

    @BeforeEach
    void start() throws Exception {
        // streams 3 one-token chunks 10 ms apart after 30 ms, then usage and [DONE]
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/completions", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int t = 0; t < 3; t++) {
                    Thread.sleep(t == 0 ? 30 : 10);
                    out.write(("data: {\"choices\":[{\"index\":0,\"text\":\" a\"}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                out.write(("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":3}}\n\n"
                        + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void jsonHasTheServingFigures() throws Exception {
        CliRun run = CliRun.of("bench", "serve", "--url", url(), "--concurrency", "2", "--requests", "6",
                "--input-len", "8", "--output-len", "3", "--slo-ttft-ms", "5000", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out());
        for (String f : new String[] {"ttft_ms", "tpot_ms", "e2e_ms", "itl_ms"}) {
            for (String p : new String[] {"p50", "p90", "p99", "mean"}) {
                assertThat(o.get(f).get(p).isNumber()).as(f + "." + p).isTrue();
            }
        }
        assertThat(o.get("ttft_ms").get("p50").asDouble()).isGreaterThanOrEqualTo(30);
        assertThat(o.get("tpot_ms").get("p50").asDouble()).isGreaterThanOrEqualTo(8);
        assertThat(o.get("errors").asInt()).isZero();
        assertThat(o.get("completed").asInt()).isEqualTo(6);
        assertThat(o.get("output_tokens").asInt()).isEqualTo(18);
        assertThat(o.get("requests_per_s").asDouble()).isPositive();
        assertThat(o.get("output_tokens_per_s").asDouble()).isPositive();
        assertThat(o.get("goodput_requests_per_s").asDouble()).isPositive();
    }

    @Test
    void textOutputWithRate() {
        CliRun run = CliRun.of("bench", "serve", "--url", url(), "--rate", "50", "--requests", "4", "--input-len",
                "4", "--output-len", "3");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Poisson 50.00 req/s", "TTFT", "TPOT", "E2E", "output tok/s");
    }

    @Test
    void anUnreachableServerIsNamed() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        CliRun run = CliRun.of("bench", "serve", "--url", "http://127.0.0.1:" + port, "--requests", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("127.0.0.1:" + port, "ConnectException");
    }

    @Test
    void badFlagsAreNamed() {
        CliRun unknown = CliRun.of("bench", "serve", "--url", url(), "--burst", "3");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--burst");
        CliRun prefix = CliRun.of("bench", "serve", "--url", url(), "--input-len", "8", "--shared-prefix", "9");
        assertThat(prefix.exitCode()).isEqualTo(1);
        assertThat(prefix.err()).contains("shared prefix", "9");
        CliRun scheme = CliRun.of("bench", "serve", "--url", "ftp://127.0.0.1/");
        assertThat(scheme.exitCode()).isEqualTo(1);
        assertThat(scheme.err()).contains("ftp://127.0.0.1/");
        CliRun zero = CliRun.of("bench", "serve", "--url", url(), "--concurrency", "0");
        assertThat(zero.exitCode()).isEqualTo(1);
        assertThat(zero.err()).contains("--concurrency", "got 0");
    }

    @Test
    void drivesLlamaCppsServerLoopInProcess(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path file = tmp.resolve("tiny.gguf");
        io.flotilla.model.synth.SyntheticModel.write(io.flotilla.model.synth.SyntheticSpec.tiny(
                io.flotilla.model.synth.SyntheticArch.LLAMA), file);
        // more slots than requests in flight: once, in a full CI run on a loaded machine, one request of four
        // failed with 2 slots for 2 (not reproduced in 9 further runs; the JSON with its error is now printed)
        CliRun run = CliRun.of("bench", "serve", "--llamacpp-model", file.toString(), "--parallel", "3", "--threads",
                "1", "--concurrency", "2", "--requests", "4", "--input-len", "8", "--output-len", "4", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out());
        assertThat(o.get("completed").asInt()).as(run.out()).isEqualTo(4);
        assertThat(o.get("ttft_ms").get("p50").asDouble()).isPositive();
    }

    @Test
    void exactlyOneTargetIsNeeded() {
        CliRun neither = CliRun.of("bench", "serve", "--requests", "1");
        assertThat(neither.exitCode()).isEqualTo(1);
        assertThat(neither.err()).contains("--url", "--llamacpp-model", "neither");
        CliRun missing = CliRun.of("bench", "serve", "--llamacpp-model", "/nonexistent/m.gguf");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("/nonexistent/m.gguf");
    }
}
