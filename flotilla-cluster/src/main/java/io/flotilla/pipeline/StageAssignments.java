package io.flotilla.pipeline;

import io.flotilla.membership.MembershipException;
import io.flotilla.node.DataLink;
import io.flotilla.node.TensorHashes;
import io.flotilla.wire.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Puts a plan on its nodes: tells each stage its layer range, where its output goes and the content
 * hashes of its tensors ({@link Message.StageAssignment}), then waits until every stage has loaded
 * and verified them ({@link Message.StageReady}). One plan at a time, on the coordinator's control
 * thread; the answers arrive on the membership threads.
 */
final class StageAssignments {

    /** Sends a control message to a member (the membership's {@code send}). */
    @FunctionalInterface
    interface Sender {
        void send(String nodeId, byte[] payload) throws MembershipException;
    }

    /** A stage answered that it cannot serve its range (e.g. too little memory, a wrong hash). */
    static final class RefusedException extends Exception {
        private final String nodeId;

        RefusedException(String nodeId, String reason) {
            super(reason);
            this.nodeId = nodeId;
        }

        String nodeId() {
            return nodeId;
        }
    }

    private final TensorHashes hashes;
    private final int layers;
    private final int contextLength;
    private final Duration timeout;
    private final Sender sender;
    private final Map<String, CompletableFuture<Message.StageReady>> pending = new ConcurrentHashMap<>();

    /**
     * @param layers  the model's transformer layers (which tensors a range holds)
     * @param timeout how long all the stages of one plan may take to become ready
     */
    StageAssignments(TensorHashes hashes, int layers, int contextLength, Duration timeout, Sender sender) {
        this.hashes = hashes;
        this.layers = layers;
        this.contextLength = contextLength;
        this.timeout = timeout;
        this.sender = sender;
    }

    /** A stage's answer; ignored unless its node is waited for. */
    void ready(Message.StageReady ready) {
        CompletableFuture<Message.StageReady> future = pending.get(ready.nodeId());
        if (future != null) {
            future.complete(ready);
        }
    }

    /** The node left the cluster: waiting for it fails at once. */
    void left(String nodeId) {
        CompletableFuture<Message.StageReady> waiting = pending.get(nodeId);
        if (waiting != null) {
            waiting.completeExceptionally(new IOException("node " + nodeId + " left the cluster"));
        }
    }

    /**
     * Assigns plan {@code version}'s ranges to every stage of {@code replicas} (each replica's last
     * stage sends its results to {@code results}) and returns when all are ready.
     *
     * @throws RefusedException a stage refused its range
     * @throws TimeoutException not every stage was ready in time
     * @throws IOException      a message could not be sent, or a node left
     */
    void assign(long version, List<List<ActivePipeline.Stage>> replicas, InetSocketAddress results)
            throws IOException, TimeoutException, RefusedException {
        pending.clear();
        Map<String, CompletableFuture<Message.StageReady>> futures = new HashMap<>();
        List<ActivePipeline.Stage> all = replicas.stream().flatMap(List::stream).toList();
        for (ActivePipeline.Stage stage : all) {
            futures.put(stage.nodeId(), new CompletableFuture<>());
        }
        pending.putAll(futures);
        for (List<ActivePipeline.Stage> stages : replicas) {
            send(version, stages, results);
        }
        awaitReady(all, futures);
    }

    /** Tells each stage of one pipeline its range, where its output goes and the hashes of its tensors. */
    private void send(long version, List<ActivePipeline.Stage> stages, InetSocketAddress results) throws IOException {
        for (int i = 0; i < stages.size(); i++) {
            ActivePipeline.Stage stage = stages.get(i);
            InetSocketAddress next = i + 1 < stages.size() ? stages.get(i + 1).dataAddress() : results;
            List<String> names = hashes.stageTensors(stage.firstLayer(), stage.lastLayer(), layers);
            String[] digests = names.stream().map(hashes::hash).toArray(String[]::new);
            try {
                sender.send(stage.nodeId(), DataLink.encode(new Message.StageAssignment(version,
                        stage.firstLayer(), stage.lastLayer(), contextLength, next.getHostString(),
                        next.getPort(), hashes.modelVersion(), names.toArray(String[]::new), digests)));
            } catch (MembershipException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private void awaitReady(List<ActivePipeline.Stage> stages, Map<String, CompletableFuture<Message.StageReady>> futures)
            throws IOException, TimeoutException, RefusedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ActivePipeline.Stage stage : stages) {
            Message.StageReady ready;
            try {
                ready = futures.get(stage.nodeId()).get(Math.max(1, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + stage.nodeId(), e);
            } catch (ExecutionException e) {
                throw new IOException(e.getCause().getMessage(), e.getCause());
            }
            if (!ready.ok()) {
                throw new RefusedException(stage.nodeId(), ready.reason());
            }
        }
    }
}
