package io.flotilla.wire;

import java.util.List;
import java.util.Objects;

/**
 * Every message two nodes exchange: one record per command, one {@link MessageType} each.
 * Arrays are not copied; a message is a value handed to the codec, not kept.
 */
public sealed interface Message {

    MessageType type();

    /** First frame in each direction; its layout is the same in every protocol version. */
    record Hello(int protocolVersion, String nodeId, String clusterName) implements Message {
        public Hello {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(clusterName, "clusterName");
        }

        /** A HELLO of this build's protocol version. */
        public static Hello of(String nodeId, String clusterName) {
            return new Hello(WireProtocol.VERSION, nodeId, clusterName);
        }

        public MessageType type() {
            return MessageType.HELLO;
        }
    }

    /** A fresh random nonce the peer must answer with an HMAC under the cluster token. */
    record Challenge(byte[] nonce) implements Message {
        public Challenge {
            requireLength(nonce, WireProtocol.NONCE_BYTES, "nonce");
        }

        public MessageType type() {
            return MessageType.CHALLENGE;
        }
    }

    /** HMAC-SHA256 proving knowledge of the cluster token, bound to both nonces and the role. */
    record ChallengeResponse(byte[] mac) implements Message {
        public ChallengeResponse {
            requireLength(mac, 32, "mac");
        }

        public MessageType type() {
            return MessageType.CHALLENGE_RESPONSE;
        }
    }

    /**
     * Hidden states between pipeline stages: {@code tokens × width} values, row-major, with the
     * sequence and position of each token row, where their K/V go ({@link KvPaging}), the trace
     * context of the batch (a W3C {@code traceparent}, empty when it is not traced) and the spans of
     * the stages it went through so far (only when traced).
     */
    record Activation(long requestId, int microBatchId, int[] sequenceIds, int[] positions, int width,
                      FloatFormat format, float[] values, KvPaging paging, String traceParent, List<StageSpan> spans)
            implements Message {
        public Activation {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(paging, "paging");
            Objects.requireNonNull(traceParent, "traceParent");
            spans = List.copyOf(spans);
            if (sequenceIds.length != positions.length || (long) positions.length * width != values.length) {
                throw new IllegalArgumentException("activation of " + sequenceIds.length + " sequence ids, "
                        + positions.length + " positions, width " + width + " has " + values.length + " values");
            }
        }

        /** Hidden states that carry no K/V layout and no trace (hop measurements). */
        public Activation(long requestId, int microBatchId, int[] sequenceIds, int[] positions, int width,
                          FloatFormat format, float[] values) {
            this(requestId, microBatchId, sequenceIds, positions, width, format, values, KvPaging.NONE, "", List.of());
        }

        public int tokens() {
            return positions.length;
        }

        public MessageType type() {
            return MessageType.ACTIVATION;
        }
    }

    /**
     * Output of the last stage: one row of {@code vocabSize} logits per sequence that asked for
     * them, and the spans of every stage when the batch was traced.
     */
    record Logits(long requestId, int microBatchId, int[] sequenceIds, int vocabSize, FloatFormat format,
                  float[] values, List<StageSpan> spans) implements Message {
        public Logits {
            Objects.requireNonNull(format, "format");
            spans = List.copyOf(spans);
            if ((long) sequenceIds.length * vocabSize != values.length) {
                throw new IllegalArgumentException("logits of " + sequenceIds.length + " rows × " + vocabSize
                        + " have " + values.length + " values");
            }
        }

        /** Logits without stage spans. */
        public Logits(long requestId, int microBatchId, int[] sequenceIds, int vocabSize, FloatFormat format,
                      float[] values) {
            this(requestId, microBatchId, sequenceIds, vocabSize, format, values, List.of());
        }

        public MessageType type() {
            return MessageType.LOGITS;
        }
    }

    /** Sampled tokens, one per sequence, when the last stage samples itself. */
    record Tokens(long requestId, int microBatchId, int[] sequenceIds, int[] tokens) implements Message {
        public Tokens {
            if (sequenceIds.length != tokens.length) {
                throw new IllegalArgumentException(sequenceIds.length + " sequence ids for " + tokens.length + " tokens");
            }
        }

        public MessageType type() {
            return MessageType.TOKENS;
        }
    }

    /** Rebuild the KV cache of a sequence by running these tokens from {@code firstPosition}. */
    record KvReplay(long requestId, int sequenceId, int firstPosition, int[] tokens) implements Message {
        public MessageType type() {
            return MessageType.KV_REPLAY;
        }
    }

    /** Ask a peer for {@code length} bytes of a tensor of the model with this content hash. */
    record ShardRequest(long requestId, String modelHash, String tensorName, long offset, int length)
            implements Message {
        public ShardRequest {
            Objects.requireNonNull(modelHash, "modelHash");
            Objects.requireNonNull(tensorName, "tensorName");
        }

        public MessageType type() {
            return MessageType.SHARD_REQUEST;
        }
    }

    /** One piece of a tensor: {@code data} starts at {@code offset} of {@code totalLength} bytes. */
    record ShardChunk(long requestId, String tensorName, long offset, long totalLength, byte[] data)
            implements Message {
        public ShardChunk {
            Objects.requireNonNull(tensorName, "tensorName");
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.SHARD_CHUNK;
        }
    }

    record Ping(long nonce, long sentNanos) implements Message {
        public MessageType type() {
            return MessageType.PING;
        }
    }

    /** Answer to a {@link Ping}, echoing its fields. */
    record Pong(long nonce, long sentNanos) implements Message {
        public MessageType type() {
            return MessageType.PONG;
        }
    }

    /** A failed request ({@code requestId}), or with a fatal code the reason for a disconnect. */
    record Error(long requestId, ErrorCode code, String message) implements Message {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        public MessageType type() {
            return MessageType.ERROR;
        }
    }

    /** Orderly goodbye; the sender closes after it. */
    record Close(String reason) implements Message {
        public Close {
            Objects.requireNonNull(reason, "reason");
        }

        public MessageType type() {
            return MessageType.CLOSE;
        }
    }

    /**
     * Tokens for the first stage to embed: one row per token with its sequence and position, where
     * their K/V go on every stage, and the trace context ({@code traceparent}, empty = not traced).
     */
    record TokenBatch(long requestId, int microBatchId, int[] sequenceIds, int[] positions, int[] tokens,
                      KvPaging paging, String traceParent) implements Message {
        public TokenBatch {
            Objects.requireNonNull(paging, "paging");
            Objects.requireNonNull(traceParent, "traceParent");
            if (sequenceIds.length != positions.length || positions.length != tokens.length) {
                throw new IllegalArgumentException("token batch of " + sequenceIds.length + " sequence ids, "
                        + positions.length + " positions, " + tokens.length + " tokens");
            }
        }

        public MessageType type() {
            return MessageType.TOKEN_BATCH;
        }
    }

    /**
     * Drop the per-sequence state of these sequences; travels down the pipeline in order. Stages
     * with a paged store (version 3) keep no per-sequence state and pass it on.
     */
    record Release(long requestId, int[] sequenceIds) implements Message {
        public MessageType type() {
            return MessageType.RELEASE;
        }
    }

    /**
     * What a node tells the other members about itself: where its data endpoint listens, which model
     * version its local file holds (empty: none, it receives its tensors from peers), what it measured,
     * the port of the API it serves once it becomes coordinator (0: it never coordinates) and the
     * highest plan number it has seen (version 5; 0: none). A report of no threads comes from a
     * coordinator: it serves no layers but answers SHARD_REQUESTs, and its plan number is its latest plan.
     */
    record NodeReport(String nodeId, long pid, String dataHost, int dataPort, String modelVersion, int threads,
                      long usableMemoryBytes, double memoryBytesPerSecond, double flopsPerSecond, int apiPort,
                      long planVersion) implements Message {
        public NodeReport {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(dataHost, "dataHost");
            Objects.requireNonNull(modelVersion, "modelVersion");
            if (planVersion < 0) {
                throw new IllegalArgumentException("node " + nodeId + ": plan version must be >= 0, got " + planVersion);
            }
        }

        /** This report with another highest plan number seen. */
        public NodeReport withPlanVersion(long seen) {
            return new NodeReport(nodeId, pid, dataHost, dataPort, modelVersion, threads, usableMemoryBytes,
                    memoryBytesPerSecond, flopsPerSecond, apiPort, seen);
        }

        public MessageType type() {
            return MessageType.NODE_REPORT;
        }
    }

    /**
     * The coordinator's order to serve layers {@code [firstLayer, lastLayer)} of plan
     * {@code planVersion} with per-sequence states of {@code contextLength} positions and send the
     * results to {@code nextHost:nextPort}; the tensors of that range must have these content hashes.
     */
    record StageAssignment(long planVersion, int firstLayer, int lastLayer, int contextLength, String nextHost, int nextPort,
                           String modelVersion, String[] tensorNames, String[] tensorHashes) implements Message {
        public StageAssignment {
            Objects.requireNonNull(nextHost, "nextHost");
            Objects.requireNonNull(modelVersion, "modelVersion");
            if (tensorNames.length != tensorHashes.length) {
                throw new IllegalArgumentException(tensorNames.length + " tensor names for " + tensorHashes.length
                        + " hashes");
            }
        }

        public MessageType type() {
            return MessageType.STAGE_ASSIGNMENT;
        }
    }

    /**
     * What node {@code fromNode} measured on its data connection to {@code toNode}: round-trip time
     * and bandwidth (one direction), for the coordinator's placement.
     */
    record LinkReport(String fromNode, String toNode, double rttSeconds, double bytesPerSecond) implements Message {
        public LinkReport {
            Objects.requireNonNull(fromNode, "fromNode");
            Objects.requireNonNull(toNode, "toNode");
        }

        public MessageType type() {
            return MessageType.LINK_REPORT;
        }
    }

    /** A node's answer to a {@link StageAssignment}: serving, or refused with the reason. */
    record StageReady(long planVersion, String nodeId, boolean ok, String reason) implements Message {
        public StageReady {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(reason, "reason");
        }

        public MessageType type() {
            return MessageType.STAGE_READY;
        }
    }

    private static void requireLength(byte[] bytes, int expected, String name) {
        if (bytes.length != expected) {
            throw new IllegalArgumentException(name + " must be " + expected + " bytes, got " + bytes.length);
        }
    }
}
