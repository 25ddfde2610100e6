package io.flotilla.pipeline;

import java.util.Arrays;

/**
 * What {@link PipelineExecutor} keeps of one request: its id on the wire, the tokens at positions
 * {@code [0, length)} of its K/V (those of completed steps), and the replica its K/V is on.
 */
final class PipelineSequence {
    final int id;
    int[] tokens = new int[64];
    int length;
    long kvVersion = -1; // the plan under which its replica was chosen
    int replica;

    PipelineSequence(int id) {
        this.id = id;
    }

    void append(int[] chunk) {
        if (length + chunk.length > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(2 * tokens.length, length + chunk.length));
        }
        System.arraycopy(chunk, 0, tokens, length, chunk.length);
        length += chunk.length;
    }
}
