package io.flotilla.pipeline;

import io.flotilla.transport.Connection;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The pipelines that serve plan {@code version}: one per replica (the throughput objective places
 * the model more than once when it fits), each with its stages in order and the coordinator's open
 * connection to its first stage. A sequence lives on one replica: its KV is there.
 */
public record ActivePipeline(long version, List<Replica> replicas) {
    public ActivePipeline {
        replicas = List.copyOf(replicas);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("plan " + version + " has no replica");
        }
    }

    /** One pipeline: its stages in order and the connection to the first. */
    public record Replica(List<Stage> stages, Connection first) {
        public Replica {
            stages = List.copyOf(stages);
        }
    }

    /** One node's range {@code [firstLayer, lastLayer)} and its data endpoint. */
    public record Stage(String nodeId, int firstLayer, int lastLayer, InetSocketAddress dataAddress) {
    }
}
