package io.flotilla.server.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.engine.RequestOutput;
import io.flotilla.server.ApiError;
import io.flotilla.server.GenerationSpec;
import io.flotilla.server.ServingContext;
import io.flotilla.server.TenantPolicy;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The OpenAI-compatible routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions},
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}. Every call is authenticated; a
 * generation call is then parsed, admitted (queue limit, tenant quotas) and run.
 */
public final class OpenAiRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiRoutes.class);

    private final ServingContext ctx;

    private OpenAiRoutes(ServingContext ctx) {
        this.ctx = ctx;
    }

    /** Adds the routes to {@code routing}. */
    public static void register(HttpRouting.Builder routing, ServingContext ctx) {
        OpenAiRoutes routes = new OpenAiRoutes(ctx);
        routing.post(Endpoint.CHAT.path, (req, res) -> routes.generate(req, res, Endpoint.CHAT))
                .post(Endpoint.COMPLETION.path, (req, res) -> routes.generate(req, res, Endpoint.COMPLETION))
                .get("/v1/models", routes::models)
                .get("/v1/models/{id}", routes::model);
    }

    /** Writes an error object with its status (and Retry-After). */
    public static void sendError(ServerResponse res, ApiError e) {
        res.status(e.status());
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(OpenAiResponses.JSON.writeValueAsBytes(OpenAiResponses.error(e)));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("cannot write an error object", x);
        }
    }

    private void models(ServerRequest req, ServerResponse res) throws IOException {
        authenticate(req);
        ObjectNode list = OpenAiResponses.JSON.createObjectNode();
        list.put("object", "list");
        list.putArray("data").add(modelObject());
        send(res, list);
    }

    private void model(ServerRequest req, ServerResponse res) throws IOException {
        authenticate(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(ctx.model().name())) {
            throw ApiError.unknownModel(id);
        }
        send(res, modelObject());
    }

    private ObjectNode modelObject() {
        ObjectNode m = OpenAiResponses.JSON.createObjectNode();
        m.put("id", ctx.model().name());
        m.put("object", "model");
        m.put("created", STARTED);
        m.put("owned_by", "flotilla");
        return m;
    }

    private static final long STARTED = System.currentTimeMillis() / 1000;

    private static void send(ServerResponse res, Object body) throws IOException {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiResponses.JSON.writeValueAsBytes(body));
    }

    private TenantPolicy authenticate(ServerRequest req) {
        return ctx.admission().authenticate(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
    }

    @SuppressWarnings("try") // the scope only makes the span current
    private void generate(ServerRequest req, ServerResponse res, Endpoint endpoint) throws Exception {
        String requestId = endpoint.idPrefix + UUID.randomUUID().toString().replace("-", "");
        long start = System.nanoTime();
        MDC.put("request_id", requestId);
        res.header("x-request-id", requestId);
        Span span = ctx.tracing().startRequest("POST " + endpoint.path, requestId);
        try (Scope scope = span.makeCurrent()) {
            TenantPolicy tenant = authenticate(req);
            span.setAttribute("flotilla.tenant", tenant.tenantId());
            OpenAiRequest request = parse(req, endpoint);
            GenerationSpec spec = spec(requestId, tenant, request);
            ctx.admission().admit(tenant, request.numChoices(), spec.promptTokens());
            CompletionCall call = new CompletionCall(ctx, request, spec, System.currentTimeMillis() / 1000);
            try {
                call.respond(res);
            } finally {
                ctx.admission().release(tenant, request.numChoices(), call.completionTokens());
                for (RequestOutput out : call.lastOutputs()) {
                    ctx.tracing().recordEngineRequest(span, out);
                }
                LOG.info("request done: tenant={} user={} choices={} prompt_tokens={} completion_tokens={} stream={} ms={}",
                        tenant.tenantId(), request.user(), request.numChoices(), spec.promptTokens(),
                        call.completionTokens(), request.stream(), (System.nanoTime() - start) / 1_000_000);
            }
        } catch (ApiError e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            LOG.info("request refused: status={} code={} param={} message={}", e.status(), e.code(), e.param(),
                    e.getMessage());
            if (!res.isSent()) {
                sendError(res, e);
            }
        } catch (IOException e) {
            span.setStatus(StatusCode.ERROR, "client gone");
            LOG.info("client gone, request aborted: {}", e.getMessage());
        } finally {
            ctx.metrics().httpResponse(endpoint.path, res.status().code());
            span.end();
            MDC.remove("request_id");
        }
    }

    private OpenAiRequest parse(ServerRequest req, Endpoint endpoint) {
        JsonNode body;
        try {
            byte[] bytes = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
            body = OpenAiResponses.JSON.readTree(bytes);
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() + " at line "
                    + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() : e.getMessage();
            throw ApiError.malformedJson(detail);
        }
        if (body == null || body.isMissingNode()) {
            throw ApiError.malformedJson("the body is empty");
        }
        return endpoint == Endpoint.CHAT ? OpenAiRequests.chat(body, ctx.model())
                : OpenAiRequests.completion(body, ctx.model());
    }

    private static GenerationSpec spec(String requestId, TenantPolicy tenant, OpenAiRequest request) {
        List<GenerationSpec.Choice> choices = new ArrayList<>();
        for (int[] prompt : request.prompts()) {
            for (int i = 0; i < request.n(); i++) {
                var params = request.params();
                if (params.seed() != null && i > 0) {
                    params = params.withSeed(params.seed() + i);
                }
                choices.add(new GenerationSpec.Choice(choices.size(), prompt, params));
            }
        }
        return new GenerationSpec(requestId, tenant.tenantId(), choices, request.stop(),
                request.endpoint() == Endpoint.COMPLETION);
    }
}
