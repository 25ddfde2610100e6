package io.flotilla.bench.serve;

import java.util.Arrays;

/** Collects the arrival times of one streamed completion's content chunks. */
final class StreamTimer {
    private final long start;
    private long first = -1;
    private long last = -1;
    private double[] gaps = new double[16];
    private int chunks;
    private int usageOutput;
    private int usagePrompt;

    StreamTimer(long startNanos) {
        this.start = startNanos;
    }

    /** A chunk with content arrived now. */
    void content() {
        content(System.nanoTime());
    }

    /** A chunk with content arrived at {@code now} ({@link System#nanoTime()}). */
    void content(long now) {
        if (first < 0) {
            first = now;
        } else {
            if (chunks - 1 == gaps.length) {
                gaps = Arrays.copyOf(gaps, gaps.length * 2);
            }
            gaps[chunks - 1] = (now - last) / 1e6;
        }
        last = now;
        chunks++;
    }

    /** The server's token counts. */
    void usage(int completionTokens, int promptTokens) {
        usageOutput = completionTokens;
        usagePrompt = promptTokens;
    }

    /** The stream ended now. */
    RequestTiming finish() {
        long end = System.nanoTime();
        if (chunks == 0) {
            return RequestTiming.failed("the stream ended without content");
        }
        return new RequestTiming((first - start) / 1e6, Arrays.copyOf(gaps, chunks - 1), (end - start) / 1e6,
                usageOutput > 0 ? usageOutput : chunks, usagePrompt, null);
    }
}
