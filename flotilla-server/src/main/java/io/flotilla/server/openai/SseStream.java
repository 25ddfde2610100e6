package io.flotilla.server.openai;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI writes them: {@code data: JSON\n\n} per event, flushed at once,
 * and {@code data: [DONE]\n\n} at the end. A failed write (client gone) is an {@link IOException}.
 */
final class SseStream {
    static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";

    private final OutputStream out;

    SseStream(OutputStream out) {
        this.out = out;
    }

    void event(Object json) throws IOException {
        frame(OpenAiResponses.JSON.writeValueAsString(json));
    }

    void done() throws IOException {
        frame("[DONE]");
    }

    private void frame(String data) throws IOException {
        try {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) { // the server's socket writer reports a closed connection unchecked
            throw new IOException("client connection closed: " + e.getMessage(), e);
        }
    }
}
