package io.flotilla.server;

import io.flotilla.engine.FinishReason;
import io.flotilla.exec.TokenLogprobs;
import java.io.IOException;
import java.util.List;

/**
 * Receives a {@link Generation}'s text as it becomes safe to show, per choice, on the thread that
 * runs the generation. An {@link IOException} (client gone) aborts the generation.
 */
public interface GenerationSink {

    /** New text of a choice (may be empty when only logprobs arrived), with the logprobs of the tokens that produced it. */
    void text(int choice, String text, List<TokenLogprobs> logprobs) throws IOException;

    /** A choice ended; {@code completionTokens} generated for it. No more text follows for it. */
    void finish(int choice, FinishReason reason, int completionTokens) throws IOException;
}
