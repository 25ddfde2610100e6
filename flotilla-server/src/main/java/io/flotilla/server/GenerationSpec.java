package io.flotilla.server;

import io.flotilla.engine.SamplingParams;
import java.util.List;
import java.util.Objects;

/**
 * What one API call asks the engine for: one or more choices (prompt × n), each its own engine
 * request, sharing stop strings and a tenant.
 *
 * @param requestId    the call's id; engine requests are {@code requestId-choiceIndex}
 * @param stopStrings  text that ends a choice (never shown, nor any partial match of it)
 * @param continuation decode the first token as continuing the prompt (completions: keep its
 *                     leading space) rather than as the start of a new text (chat)
 */
public record GenerationSpec(String requestId, String tenantId, List<Choice> choices, List<String> stopStrings,
        boolean continuation) {

    /** One choice: its index in the response, its prompt and its sampling. */
    public record Choice(int index, int[] promptTokenIds, SamplingParams params) {
        public Choice {
            promptTokenIds = promptTokenIds.clone();
            Objects.requireNonNull(params, "params");
        }

        @Override
        public int[] promptTokenIds() {
            return promptTokenIds.clone();
        }
    }

    public GenerationSpec {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        choices = List.copyOf(choices);
        stopStrings = List.copyOf(stopStrings);
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("request " + requestId + " has no choices");
        }
    }

    /** Prompt tokens as usage reports them: each distinct prompt once, however many choices share it. */
    public int promptTokens() {
        int total = 0;
        int[] last = null;
        for (Choice c : choices) {
            int[] p = c.promptTokenIds;
            if (last == null || !java.util.Arrays.equals(last, p)) {
                total += p.length;
            }
            last = p;
        }
        return total;
    }
}
