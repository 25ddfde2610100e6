package io.flotilla.server.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.engine.FinishReason;
import io.flotilla.exec.TokenLogprobs;
import io.flotilla.server.ApiError;
import io.flotilla.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON objects the endpoints answer with, field for field as OpenAI's: responses, stream
 * chunks, usage, logprobs (chat's {@code content} list and the legacy
 * {@code tokens}/{@code token_logprobs}/{@code top_logprobs}/{@code text_offset}), errors.
 */
final class OpenAiResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Endpoint endpoint;
    private final String id;
    private final long created;
    private final String model;
    private final Tokenizer tokenizer;

    OpenAiResponses(Endpoint endpoint, String id, long created, String model, Tokenizer tokenizer) {
        this.endpoint = endpoint;
        this.id = id;
        this.created = created;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** The envelope: id, object, created, model, then an empty choices array to fill. */
    ObjectNode envelope(boolean chunk) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", chunk ? endpoint.chunkObject : endpoint.object);
        o.put("created", created);
        o.put("model", model);
        o.putArray("choices");
        return o;
    }

    /** A whole choice of a non-streamed response. */
    ObjectNode choice(int index, String text, ObjectNode logprobs, FinishReason reason) {
        ObjectNode c = JSON.createObjectNode();
        if (endpoint == Endpoint.CHAT) {
            c.put("index", index);
            ObjectNode message = c.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            message.putNull("refusal");
            c.set("logprobs", logprobs);
        } else {
            c.put("text", text);
            c.put("index", index);
            c.set("logprobs", logprobs);
        }
        c.put("finish_reason", reason == null ? null : reason.wireName());
        return c;
    }

    /** One choice of a stream chunk: new text (or the chat role opening), and the finish reason once. */
    ObjectNode chunkChoice(int index, String text, boolean opening, ObjectNode logprobs, FinishReason reason) {
        ObjectNode c = JSON.createObjectNode();
        if (endpoint == Endpoint.CHAT) {
            c.put("index", index);
            ObjectNode delta = c.putObject("delta");
            if (opening) {
                delta.put("role", "assistant");
                delta.put("content", "");
                delta.putNull("refusal");
            } else if (text != null) {
                delta.put("content", text);
            }
        } else {
            c.put("text", text == null ? "" : text);
            c.put("index", index);
        }
        c.set("logprobs", logprobs);
        c.put("finish_reason", reason == null ? null : reason.wireName());
        return c;
    }

    static ObjectNode usage(int promptTokens, int completionTokens, int cachedTokens) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        return u;
    }

    /** An empty logprobs object of the endpoint's kind, to append tokens to. */
    ObjectNode newLogprobs() {
        ObjectNode lp = JSON.createObjectNode();
        if (endpoint == Endpoint.CHAT) {
            lp.putArray("content");
            lp.putNull("refusal");
        } else {
            lp.putArray("tokens");
            lp.putArray("token_logprobs");
            lp.putArray("top_logprobs");
            lp.putArray("text_offset");
        }
        return lp;
    }

    /**
     * Appends tokens to a logprobs object; {@code textOffset} is where the first token's text starts
     * in the choice's text (legacy format). Returns the offset after the last token.
     */
    int appendLogprobs(ObjectNode target, List<TokenLogprobs> tokens, int top, int textOffset) {
        int offset = textOffset;
        for (TokenLogprobs t : tokens) {
            String token = tokenString(t.tokenId());
            int[] ids = t.topTokenIds();
            float[] lps = t.topLogprobs();
            int k = Math.min(top, ids.length);
            if (endpoint == Endpoint.CHAT) {
                ObjectNode e = ((ArrayNode) target.get("content")).addObject();
                entry(e, token, t.logprob());
                ArrayNode alternatives = e.putArray("top_logprobs");
                for (int i = 0; i < k; i++) {
                    entry(alternatives.addObject(), tokenString(ids[i]), lps[i]);
                }
            } else {
                ((ArrayNode) target.get("tokens")).add(token);
                ((ArrayNode) target.get("token_logprobs")).add(t.logprob());
                ObjectNode alternatives = ((ArrayNode) target.get("top_logprobs")).addObject();
                for (int i = 0; i < k; i++) {
                    alternatives.put(tokenString(ids[i]), lps[i]);
                }
                ((ArrayNode) target.get("text_offset")).add(offset);
            }
            offset += token.length();
        }
        return offset;
    }

    private void entry(ObjectNode e, String token, float logprob) {
        e.put("token", token);
        e.put("logprob", logprob);
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xFF);
        }
    }

    private String tokenString(int id) {
        byte[] bytes = tokenizer.tokenBytes(id);
        return bytes.length == 0 ? tokenizer.tokenText(id) : new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    static ObjectNode error(ApiError e) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        return o;
    }
}
