package io.flotilla.wire;

import java.util.Objects;

/**
 * One stage's work on one batch, timed by the stage when the batch carries a trace context: which
 * node, which layers {@code [firstLayer, lastLayer)}, how many token rows, and when (epoch
 * nanoseconds of the node's clock). Each stage appends its span to those it received; the last
 * stage returns them all with the logits, and the coordinator records them under the trace.
 */
public record StageSpan(String nodeId, int firstLayer, int lastLayer, int tokens, long startEpochNanos,
                        long endEpochNanos) {
    public StageSpan {
        Objects.requireNonNull(nodeId, "nodeId");
    }
}
