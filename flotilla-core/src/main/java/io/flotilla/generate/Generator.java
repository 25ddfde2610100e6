package io.flotilla.generate;

import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.sample.SamplerChain;
import io.flotilla.sample.TokenHistory;
import io.flotilla.tokenizer.StreamingDetokenizer;
import io.flotilla.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Generates text for one sequence on one machine: the prompt goes through the model as one batch
 * (prefill), then one token at a time is sampled, appended and fed back (decode) until an
 * end-of-generation token, a stop string, {@code maxTokens} or the end of the context.
 */
public final class Generator {
    private final Model model;
    private final Tokenizer tokenizer;

    public Generator(Model model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Runs {@code prompt} from position 0 of {@code state} and streams the generated text to
     * {@code onText} as it becomes final (complete UTF-8, not part of a possible stop string).
     *
     * @throws IllegalArgumentException when the prompt is empty or does not fit the context
     */
    public GenerationResult generate(InferenceState state, int[] prompt, GenerationParams params,
                                     Consumer<String> onText) {
        int context = state.contextLength();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: nothing to generate from");
        }
        if (prompt.length > context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the context of "
                    + context + " tokens");
        }
        state.reset();
        SamplerChain sampler = SamplerChain.of(params.sampler(), model.config().vocabSize());
        TokenHistory history = TokenHistory.of(prompt);
        StreamingDetokenizer detokenizer = StreamingDetokenizer.continuation(tokenizer);
        StringBuilder text = new StringBuilder();
        StopMatcher stops = new StopMatcher(params.stop());
        int[] out = new int[Math.min(params.maxTokens(), context - prompt.length + 1)];
        int n = 0;
        String finish = "length";

        long t0 = System.nanoTime();
        float[] logits = params.maxTokens() == 0 ? null : model.forward(state, prompt, 0, prompt.length, false);
        long prefillNanos = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        int[] one = new int[1];
        while (n < out.length) {
            int token = sampler.sample(logits, history);
            if (!params.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
                finish = "stop";
                break;
            }
            out[n++] = token;
            history.accept(token);
            emit(onText, text, stops.accept(detokenizer.accept(token)));
            if (stops.stopped()) {
                finish = "stop";
                break;
            }
            if (n == out.length || state.position() == context) {
                break; // no forward pass for a token nobody will read
            }
            one[0] = token;
            logits = model.forward(state, one, 0, 1, false);
        }
        long decodeNanos = n > 1 ? System.nanoTime() - t1 : 0;
        if (!stops.stopped()) {
            emit(onText, text, stops.accept(detokenizer.flush()));
            emit(onText, text, stops.flush());
        }
        int[] tokens = Arrays.copyOf(out, n);
        return new GenerationResult(text.toString(), tokens, prompt.length, finish, prefillNanos,
                decodeNanos);
    }

    private static void emit(Consumer<String> onText, StringBuilder all, String text) {
        if (!text.isEmpty()) {
            all.append(text);
            onText.accept(text);
        }
    }
}
