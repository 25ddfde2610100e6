package io.flotilla.server.openai;

import io.flotilla.engine.SamplingParams;
import java.util.List;

/**
 * A validated generation request of either endpoint, its prompts already tokenized.
 *
 * @param prompts     one or more prompts (chat: one; completions: a batch); each gets n choices
 * @param params      sampling of choice 0; choice i uses seed + i when a seed is given
 * @param topLogprobs null = no logprobs; else alternatives per token (0..20)
 * @param user        the caller's end-user id (logged only)
 */
record OpenAiRequest(Endpoint endpoint, String model, List<int[]> prompts, int n, SamplingParams params,
        List<String> stop, boolean stream, boolean includeUsage, Integer topLogprobs, String user) {

    OpenAiRequest {
        prompts = List.copyOf(prompts);
        stop = List.copyOf(stop);
    }

    int numChoices() {
        return prompts.size() * n;
    }
}
