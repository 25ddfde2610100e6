package io.flotilla.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.engine.FinishReason;
import io.flotilla.engine.RequestOutput;
import io.flotilla.exec.TokenLogprobs;
import io.flotilla.server.ApiError;
import io.flotilla.server.Generation;
import io.flotilla.server.GenerationSink;
import io.flotilla.server.GenerationSpec;
import io.flotilla.server.ServingContext;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One call of a generation endpoint after admission: runs the {@link Generation} and answers
 * either with one JSON response or with a stream of SSE chunks ending in {@code data: [DONE]}.
 */
final class CompletionCall {
    private final ServingContext ctx;
    private final OpenAiRequest request;
    private final GenerationSpec spec;
    private final OpenAiResponses shapes;
    private final int[] completionTokens;
    private Generation generation;

    CompletionCall(ServingContext ctx, OpenAiRequest request, GenerationSpec spec, long created) {
        this.ctx = ctx;
        this.request = request;
        this.spec = spec;
        this.shapes = new OpenAiResponses(request.endpoint(), spec.requestId(), created, request.model(),
                ctx.model().tokenizer());
        this.completionTokens = new int[request.numChoices()];
    }

    /** Tokens generated over all choices so far. */
    int completionTokens() {
        int sum = 0;
        for (int t : completionTokens) {
            sum += t;
        }
        return sum;
    }

    /** Engine outputs that ended each choice (for spans and logs). */
    List<RequestOutput> lastOutputs() {
        return generation == null ? List.of() : generation.lastOutputs();
    }

    void respond(ServerResponse res) throws IOException, InterruptedException {
        generation = new Generation(ctx.model(), spec, ctx.metrics());
        if (request.stream()) {
            stream(res);
        } else {
            whole(res);
        }
    }

    private void whole(ServerResponse res) throws IOException, InterruptedException {
        int n = request.numChoices();
        StringBuilder[] texts = new StringBuilder[n];
        ObjectNode[] logprobs = new ObjectNode[n];
        int[] offsets = new int[n];
        FinishReason[] reasons = new FinishReason[n];
        for (int i = 0; i < n; i++) {
            texts[i] = new StringBuilder();
            logprobs[i] = request.topLogprobs() == null ? null : shapes.newLogprobs();
        }
        generation.run(new GenerationSink() {
            @Override
            public void text(int choice, String text, List<TokenLogprobs> lps) {
                texts[choice].append(text);
                if (logprobs[choice] != null) {
                    offsets[choice] = shapes.appendLogprobs(logprobs[choice], lps, request.topLogprobs(), offsets[choice]);
                }
            }

            @Override
            public void finish(int choice, FinishReason reason, int tokens) {
                reasons[choice] = reason;
                completionTokens[choice] = tokens;
            }
        });
        for (FinishReason r : reasons) {
            if (r == FinishReason.ERROR || r == FinishReason.ABORT) {
                throw new ApiError(500, "server_error", "The engine failed while generating (finish reason "
                        + r.wireName() + ").", null, "engine_" + r.wireName(), 0);
            }
        }
        ObjectNode body = shapes.envelope(false);
        ArrayNode choices = (ArrayNode) body.get("choices");
        for (int i = 0; i < n; i++) {
            choices.add(shapes.choice(i, texts[i].toString(), logprobs[i], reasons[i]));
        }
        body.set("usage", usage());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiResponses.JSON.writeValueAsBytes(body));
    }

    private void stream(ServerResponse res) throws IOException, InterruptedException {
        res.header(HeaderNames.CONTENT_TYPE, SseStream.CONTENT_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream os = res.outputStream()) {
            SseStream sse = new SseStream(os);
            int[] offsets = new int[request.numChoices()];
            if (request.endpoint() == Endpoint.CHAT) {
                for (int i = 0; i < request.numChoices(); i++) {
                    sse.event(chunk(shapes.chunkChoice(i, null, true, null, null)));
                }
            }
            List<FinishReason> failures = new ArrayList<>();
            generation.run(new GenerationSink() {
                @Override
                public void text(int choice, String text, List<TokenLogprobs> lps) throws IOException {
                    ObjectNode lp = null;
                    if (request.topLogprobs() != null) {
                        lp = shapes.newLogprobs();
                        offsets[choice] = shapes.appendLogprobs(lp, lps, request.topLogprobs(), offsets[choice]);
                    }
                    sse.event(chunk(shapes.chunkChoice(choice, text, false, lp, null)));
                }

                @Override
                public void finish(int choice, FinishReason reason, int tokens) throws IOException {
                    completionTokens[choice] = tokens;
                    if (reason == FinishReason.ERROR || reason == FinishReason.ABORT) {
                        failures.add(reason);
                    } else {
                        sse.event(chunk(shapes.chunkChoice(choice, request.endpoint() == Endpoint.CHAT ? null : "",
                                false, null, reason)));
                    }
                }
            });
            if (!failures.isEmpty()) {
                sse.event(OpenAiResponses.error(new ApiError(500, "server_error", "The engine failed while generating"
                        + " (finish reason " + failures.getFirst().wireName() + ").", null, "engine_error", 0)));
                return;
            }
            if (request.includeUsage()) {
                ObjectNode last = shapes.envelope(true);
                last.set("usage", usage());
                sse.event(last);
            }
            sse.done();
        }
    }

    private ObjectNode chunk(ObjectNode choice) {
        ObjectNode o = shapes.envelope(true);
        ((ArrayNode) o.get("choices")).add(choice);
        if (request.includeUsage()) {
            o.putNull("usage");
        }
        return o;
    }

    private ObjectNode usage() {
        int cached = 0;
        for (RequestOutput out : generation.lastOutputs()) {
            if (out.stats() != null) {
                cached += out.stats().numCachedTokens();
            }
        }
        return OpenAiResponses.usage(spec.promptTokens(), completionTokens(), cached);
    }
}
