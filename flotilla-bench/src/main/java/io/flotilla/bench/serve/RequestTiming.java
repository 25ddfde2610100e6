package io.flotilla.bench.serve;

/**
 * What the client saw of one streamed completion, in milliseconds from sending the request.
 *
 * @param ttftMs       until the first chunk with content
 * @param itlMs        gaps between consecutive content chunks
 * @param e2eMs        until the stream ended
 * @param outputTokens the server's {@code usage.completion_tokens}, else the number of content chunks
 * @param error        why the request failed, or {@code null}
 */
public record RequestTiming(double ttftMs, double[] itlMs, double e2eMs, int outputTokens, int promptTokens,
                            String error) {
    public static RequestTiming failed(String error) {
        return new RequestTiming(Double.NaN, new double[0], Double.NaN, 0, 0, error);
    }

    public boolean ok() {
        return error == null;
    }

    /** Time per output token after the first: {@code (e2e − TTFT) / (outputTokens − 1)}; NaN for one token. */
    public double tpotMs() {
        return outputTokens > 1 ? (e2eMs - ttftMs) / (outputTokens - 1) : Double.NaN;
    }
}
