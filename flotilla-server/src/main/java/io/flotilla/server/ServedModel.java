package io.flotilla.server;

import io.flotilla.chat.ChatMessage;
import io.flotilla.chat.ChatTemplate;
import io.flotilla.engine.EngineCore;
import io.flotilla.tokenizer.Tokenizer;
import java.util.List;

/**
 * What the HTTP server needs of a model it serves: a name, a tokenizer and chat template, a
 * context length and a running {@link EngineCore} (whose step loop someone else drives). Served
 * locally by {@link LocalServedModel}; a cluster serves the same API with an engine whose
 * executor is its pipeline.
 */
public interface ServedModel {

    /** The id clients put in {@code model} (listed by {@code GET /v1/models}). */
    String name();

    Tokenizer tokenizer();

    ChatTemplate chatTemplate();

    /** Context length in tokens: prompt plus generated tokens never exceed it. */
    int contextLength();

    /** The engine requests go to; its loop is already running. */
    EngineCore engine();

    /** Whether the model can take requests now ({@code GET /ready}). */
    default boolean ready() {
        return true;
    }

    /** Token ids of a plain-text prompt, with BOS as the tokenizer's metadata asks. */
    default int[] encodePrompt(String text) {
        return tokenizer().encode(text, true, false);
    }

    /**
     * Token ids of a conversation rendered by the chat template, special tokens parsed; BOS is
     * added only when the template did not write it.
     */
    default int[] encodeChat(List<ChatMessage> messages) {
        Tokenizer t = tokenizer();
        String rendered = chatTemplate().render(messages, true);
        String bos = t.bos() < 0 ? "" : t.tokenText(t.bos());
        boolean templateHasBos = !bos.isEmpty() && rendered.startsWith(bos);
        return t.encode(rendered, !templateHasBos, true);
    }
}
