package io.flotilla.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.chat.ChatMessage;
import io.flotilla.engine.SamplingParams;
import io.flotilla.server.ApiError;
import io.flotilla.server.ServedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the JSON bodies of {@code /v1/chat/completions} and {@code /v1/completions} into
 * {@link OpenAiRequest}s: checks every field the server understands (400 naming it), the
 * model (404), and that each prompt leaves room in the context (400 with both numbers).
 * Fields it does not know are ignored, as most OpenAI-compatible servers do.
 */
final class OpenAiRequests {
    static final int MAX_N = 16;
    static final int MAX_STOPS = 4;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private OpenAiRequests() {}

    static OpenAiRequest chat(JsonNode body, ServedModel model) {
        RequestFields f = new RequestFields(body);
        String name = checkModel(f, model);
        List<ChatMessage> messages = messages(f);
        JsonNode tools = f.get("tools");
        if (tools != null && (!tools.isArray() || !tools.isEmpty())) {
            throw ApiError.badField("tools", "Tools are not supported by this server.");
        }
        Integer legacyMax = f.integer("max_tokens", 1, Integer.MAX_VALUE, Integer.MAX_VALUE);
        int maxTokens = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE, legacyMax);
        boolean logprobs = f.bool("logprobs", false);
        Integer top = f.integer("top_logprobs", 0, SamplingParams.MAX_LOGPROBS, null);
        if (top != null && !logprobs) {
            throw ApiError.badField("top_logprobs", "'top_logprobs' needs 'logprobs' set to true.");
        }
        int[] prompt;
        try {
            prompt = model.encodeChat(messages);
        } catch (IllegalArgumentException e) { // the template's own raise_exception, e.g. roles must alternate
            throw ApiError.badField("messages", "The chat template refused the messages: " + e.getMessage());
        }
        return build(f, Endpoint.CHAT, name, List.of(checkLength(model, prompt, "messages")), maxTokens,
                logprobs ? (top == null ? 0 : top) : null);
    }

    static OpenAiRequest completion(JsonNode body, ServedModel model) {
        RequestFields f = new RequestFields(body);
        String name = checkModel(f, model);
        List<int[]> prompts = new ArrayList<>();
        for (int[] p : prompts(f, model)) {
            prompts.add(checkLength(model, p, "prompt"));
        }
        if (f.bool("echo", false)) {
            throw ApiError.badField("echo", "'echo' is not supported by this server.");
        }
        if (f.get("suffix") != null) {
            throw ApiError.badField("suffix", "'suffix' is not supported by this server.");
        }
        int maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE, 16);
        Integer top = f.integer("logprobs", 0, SamplingParams.MAX_LOGPROBS, null);
        return build(f, Endpoint.COMPLETION, name, prompts, maxTokens, top);
    }

    private static OpenAiRequest build(RequestFields f, Endpoint endpoint, String model, List<int[]> prompts,
            int maxTokens, Integer topLogprobs) {
        int n = f.integer("n", 1, MAX_N, 1);
        if (prompts.size() * n > MAX_N) {
            throw ApiError.badField("n", "At most " + MAX_N + " choices per request, got " + prompts.size()
                    + " prompts x n=" + n + ".");
        }
        float temperature = f.number("temperature", 0, 2, 1f);
        float topP = f.number("top_p", 0, 1, 1f);
        Long seed = f.longValue("seed");
        float presence = f.number("presence_penalty", -2, 2, 0f);
        float frequency = f.number("frequency_penalty", -2, 2, 0f);
        List<String> stop = f.stopStrings("stop", MAX_STOPS);
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        JsonNode options = f.get("stream_options");
        if (options != null) {
            if (!options.isObject()) {
                throw RequestFields.wrongType("stream_options", "an object", options);
            }
            includeUsage = new RequestFields(options).bool("include_usage", false);
        }
        String user = f.optionalString("user");
        int engineLogprobs = topLogprobs == null ? 0 : Math.max(1, topLogprobs);
        // top_p 0 (allowed by OpenAI) keeps only the most likely token
        SamplingParams params = new SamplingParams(temperature, topP == 0 ? Float.MIN_NORMAL : topP, 0, 0f, seed,
                maxTokens, presence, frequency, 1f, engineLogprobs, null, false);
        return new OpenAiRequest(endpoint, model, prompts, n, params, stop, stream, includeUsage, topLogprobs, user);
    }

    private static String checkModel(RequestFields f, ServedModel model) {
        String name = f.requiredString("model");
        if (!name.equals(model.name())) {
            throw ApiError.unknownModel(name);
        }
        return name;
    }

    private static int[] checkLength(ServedModel model, int[] prompt, String param) {
        if (prompt.length == 0) {
            throw ApiError.badField(param, "The prompt is empty (no tokens).");
        }
        if (prompt.length >= model.contextLength()) {
            throw ApiError.contextLengthExceeded(param, model.contextLength(), prompt.length);
        }
        return prompt;
    }

    private static List<ChatMessage> messages(RequestFields f) {
        JsonNode n = f.get("messages");
        if (n == null) {
            throw ApiError.badField("messages", "Missing required parameter: 'messages'.");
        }
        if (!n.isArray() || n.isEmpty()) {
            throw ApiError.badField("messages", "Invalid value for 'messages': expected a non-empty array of messages.");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String where = "messages[" + i + "]";
            if (!n.get(i).isObject()) {
                throw RequestFields.wrongType(where, "an object", n.get(i));
            }
            RequestFields m = new RequestFields(n.get(i));
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw ApiError.badField(where + ".role", "Invalid value for '" + where + ".role': expected one of "
                        + ROLES + ", got " + role + ".");
            }
            String r = role.asText().equals("developer") ? "system" : role.asText();
            out.add(new ChatMessage(r, content(m.get("content"), where + ".content")));
        }
        return out;
    }

    /** A message's content: a string, null, or an array of text parts. */
    private static String content(JsonNode c, String where) {
        if (c == null) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (!c.isArray()) {
            throw RequestFields.wrongType(where, "a string or an array of content parts", c);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String type = part.path("type").asText("");
            if (!type.equals("text") || !part.path("text").isTextual()) {
                throw ApiError.badField(where + "[" + j + "]", "Invalid content part '" + where + "[" + j
                        + "]': only {\"type\": \"text\", \"text\": ...} parts are supported, got type '" + type + "'.");
            }
            text.append(part.get("text").asText());
        }
        return text.toString();
    }

    /** {@code prompt}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static List<int[]> prompts(RequestFields f, ServedModel model) {
        JsonNode p = f.get("prompt");
        if (p == null) {
            throw ApiError.badField("prompt", "Missing required parameter: 'prompt'.");
        }
        if (p.isTextual()) {
            return List.of(model.encodePrompt(p.asText()));
        }
        if (!p.isArray() || p.isEmpty()) {
            throw RequestFields.wrongType("prompt", "a string, an array of strings or an array of token ids", p);
        }
        if (p.get(0).isIntegralNumber()) {
            return List.of(tokenIds(p, "prompt", model));
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            if (e.isTextual()) {
                out.add(model.encodePrompt(e.asText()));
            } else if (e.isArray()) {
                out.add(tokenIds(e, "prompt[" + i + "]", model));
            } else {
                throw RequestFields.wrongType("prompt[" + i + "]", "a string or an array of token ids", e);
            }
        }
        return out;
    }

    private static int[] tokenIds(JsonNode array, String where, ServedModel model) {
        int vocab = model.tokenizer().vocabSize();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocab) {
                throw ApiError.badField(where, "Invalid token id at '" + where + "[" + i + "]': " + t
                        + " (the vocabulary has " + vocab + " tokens).");
            }
            ids[i] = t.asInt();
        }
        return ids;
    }
}
