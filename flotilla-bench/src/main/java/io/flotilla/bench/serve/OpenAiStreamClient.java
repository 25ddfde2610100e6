package io.flotilla.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Streams completions from an OpenAI-compatible server ({@code POST /v1/completions} with
 * {@code stream: true} and {@code stream_options.include_usage}) and times the chunks as they
 * arrive: TTFT is from sending the request to the first chunk whose {@code choices[0].text} is not
 * empty. Greedy ({@code temperature 0}); with {@code ignoreEos} the request also carries
 * {@code ignore_eos: true}, so that every request produces {@code max_tokens} tokens.
 */
public final class OpenAiStreamClient implements CompletionClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String model;
    private final String apiKey;
    private final boolean ignoreEos;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    /**
     * @param url    the server's base URL ({@code http://host:port}, {@code .../v1}) or the full
     *               {@code .../v1/completions} endpoint
     * @param apiKey sent as {@code Authorization: Bearer}, or {@code null}
     */
    public OpenAiStreamClient(URI url, String model, String apiKey, boolean ignoreEos) {
        this.endpoint = endpoint(url);
        this.model = model;
        this.apiKey = apiKey;
        this.ignoreEos = ignoreEos;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(executor).build();
    }

    /** The completions endpoint of {@code url}; throws {@link IllegalArgumentException} for anything but http(s). */
    static URI endpoint(URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("URL must be http://HOST[:PORT][/v1], got " + url);
        }
        String s = url.toString().replaceAll("/+$", "");
        if (s.endsWith("/completions")) {
            return URI.create(s);
        }
        return URI.create(s.endsWith("/v1") ? s + "/completions" : s + "/v1/completions");
    }

    /**
     * The id of the first model the server lists at {@code GET /v1/models} (servers that require
     * the {@code model} field accept it); empty when the server does not answer that.
     */
    public static Optional<String> firstServedModel(URI url, String apiKey) {
        URI models = URI.create(endpoint(url).toString().replaceAll("/completions$", "/models"));
        HttpRequest.Builder b = HttpRequest.newBuilder(models).timeout(Duration.ofSeconds(30)).GET();
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode id = r.statusCode() == 200 ? JSON.readTree(r.body()).path("data").path(0).path("id") : null;
            return id != null && id.isTextual() ? Optional.of(id.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    String body(String prompt, int maxTokens) {
        ObjectNode o = JSON.createObjectNode();
        if (model != null) {
            o.put("model", model);
        }
        o.put("prompt", prompt);
        o.put("max_tokens", maxTokens);
        o.put("temperature", 0);
        o.put("stream", true);
        o.putObject("stream_options").put("include_usage", true);
        if (ignoreEos) {
            o.put("ignore_eos", true);
        }
        return o.toString();
    }

    @Override
    public RequestTiming complete(String prompt, int maxTokens) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body(prompt, maxTokens)));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    String text = new String(in.readNBytes(300), StandardCharsets.UTF_8).strip();
                    return RequestTiming.failed("HTTP " + r.statusCode() + ": " + text);
                }
                return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), start);
            }
        } catch (IOException e) {
            return RequestTiming.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RequestTiming.failed("interrupted");
        }
    }

    /** Reads the SSE stream; {@code start} is when the request was sent. */
    static RequestTiming read(BufferedReader in, long start) throws IOException {
        StreamTimer timer = new StreamTimer(start);
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.startsWith("data:")) {
                continue; // blank separators, comments, event names
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                break;
            }
            JsonNode chunk = JSON.readTree(data);
            if (chunk.has("error")) {
                return RequestTiming.failed("stream error: " + chunk.get("error"));
            }
            JsonNode text = chunk.path("choices").path(0).path("text");
            if (text.isTextual() && !text.asText().isEmpty()) {
                timer.content();
            }
            JsonNode usage = chunk.path("usage");
            if (usage.isObject()) {
                timer.usage(usage.path("completion_tokens").asInt(0), usage.path("prompt_tokens").asInt(0));
            }
        }
        return timer.finish();
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }

    @Override
    public void close() {
        http.close();
        executor.close();
    }
}
