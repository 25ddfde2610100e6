package io.flotilla.pipeline;

import io.flotilla.transport.Connection;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A pipeline that serves: plan {@code version}, its stages in order, and the coordinator's open
 * connection to the first stage.
 */
public record ActivePipeline(long version, List<Stage> stages, Connection first) {
    public ActivePipeline {
        stages = List.copyOf(stages);
    }

    /** One node's range {@code [firstLayer, lastLayer)} and its data endpoint. */
    public record Stage(String nodeId, int firstLayer, int lastLayer, InetSocketAddress dataAddress) {
    }
}
