package io.flotilla.sample;

import java.util.List;

/**
 * A sampled token with, as OpenAI's {@code logprobs} report them, its log-probability and the
 * most likely alternatives, under the model's distribution after penalties and before
 * temperature and truncation.
 *
 * @param top the {@code topN} most likely tokens, most likely first (ties: lower id first)
 */
public record SampledToken(int token, float logprob, List<TokenLogprob> top) {
    public SampledToken {
        top = List.copyOf(top);
    }
}
