package io.flotilla.wire;

import io.flotilla.wire.Message.Activation;
import io.flotilla.wire.Message.Challenge;
import io.flotilla.wire.Message.ChallengeResponse;
import io.flotilla.wire.Message.Close;
import io.flotilla.wire.Message.Error;
import io.flotilla.wire.Message.Hello;
import io.flotilla.wire.Message.KvReplay;
import io.flotilla.wire.Message.Logits;
import io.flotilla.wire.Message.LinkReport;
import io.flotilla.wire.Message.NodeReport;
import io.flotilla.wire.Message.Release;
import io.flotilla.wire.Message.StageAssignment;
import io.flotilla.wire.Message.StageReady;
import io.flotilla.wire.Message.TokenBatch;
import io.flotilla.wire.Message.Ping;
import io.flotilla.wire.Message.Pong;
import io.flotilla.wire.Message.ShardChunk;
import io.flotilla.wire.Message.ShardRequest;
import io.flotilla.wire.Message.Tokens;

/** Encodes messages to frame payloads and back; one explicit layout per message type. */
public final class WireCodec {
    private WireCodec() {
    }

    public static Frame encode(Message message) {
        WireWriter out = new WireWriter(estimate(message));
        switch (message) {
            // HELLO: u32 magic, u16 version, string node id, string cluster name. Frozen forever.
            case Hello m -> out.i32(WireProtocol.MAGIC).u16(m.protocolVersion()).string(m.nodeId()).string(m.clusterName());
            case Challenge m -> out.raw(m.nonce());
            case ChallengeResponse m -> out.raw(m.mac());
            case Activation m -> spans(paging(out.i64(m.requestId()).i32(m.microBatchId()).i32(m.width())
                    .u8(m.format().id()).ints(m.sequenceIds()).ints(m.positions()).floats(m.values(), m.format()),
                    m.paging()).string(m.traceParent()), m.spans());
            case Logits m -> spans(out.i64(m.requestId()).i32(m.microBatchId()).i32(m.vocabSize()).u8(m.format().id())
                    .ints(m.sequenceIds()).floats(m.values(), m.format()), m.spans());
            case Tokens m -> out.i64(m.requestId()).i32(m.microBatchId()).ints(m.sequenceIds()).ints(m.tokens());
            case KvReplay m -> out.i64(m.requestId()).i32(m.sequenceId()).i32(m.firstPosition()).ints(m.tokens());
            case ShardRequest m -> out.i64(m.requestId()).string(m.modelHash()).string(m.tensorName())
                    .i64(m.offset()).i32(m.length());
            case ShardChunk m -> out.i64(m.requestId()).string(m.tensorName()).i64(m.offset())
                    .i64(m.totalLength()).bytes(m.data());
            case Ping m -> out.i64(m.nonce()).i64(m.sentNanos());
            case Pong m -> out.i64(m.nonce()).i64(m.sentNanos());
            case Error m -> out.i64(m.requestId()).u16(m.code().id() & 0xFFFF).string(m.message());
            case Close m -> out.string(m.reason());
            case TokenBatch m -> paging(out.i64(m.requestId()).i32(m.microBatchId()).ints(m.sequenceIds())
                    .ints(m.positions()).ints(m.tokens()), m.paging()).string(m.traceParent());
            case Release m -> out.i64(m.requestId()).ints(m.sequenceIds());
            case NodeReport m -> out.string(m.nodeId()).i64(m.pid()).string(m.dataHost()).i32(m.dataPort())
                    .string(m.modelVersion()).i32(m.threads()).i64(m.usableMemoryBytes())
                    .f64(m.memoryBytesPerSecond()).f64(m.flopsPerSecond()).i32(m.apiPort()).i64(m.planVersion());
            case StageAssignment m -> out.i64(m.planVersion()).i32(m.firstLayer()).i32(m.lastLayer()).i32(m.contextLength())
                    .string(m.nextHost()).i32(m.nextPort()).string(m.modelVersion()).strings(m.tensorNames())
                    .strings(m.tensorHashes());
            case StageReady m -> out.i64(m.planVersion()).string(m.nodeId()).bool(m.ok()).string(m.reason());
            case LinkReport m -> out.string(m.fromNode()).string(m.toNode()).f64(m.rttSeconds()).f64(m.bytesPerSecond());
        }
        return new Frame(message.type(), out.toArray());
    }

    // KvPaging: i32 numBlocks, i32 blockSize, i32 maxTokens, i32 chunks, per chunk u8 logits + ints table
    private static WireWriter paging(WireWriter out, KvPaging p) {
        out.i32(p.numBlocks()).i32(p.blockSize()).i32(p.maxTokens()).i32(p.chunks());
        for (int i = 0; i < p.chunks(); i++) {
            out.bool(p.logits()[i]).ints(p.blockTables()[i]);
        }
        return out;
    }

    // spans: i32 count, per span string node, i32 first layer, i32 last layer, i32 tokens, i64 start, i64 end
    private static WireWriter spans(WireWriter out, java.util.List<StageSpan> spans) {
        out.i32(spans.size());
        for (StageSpan s : spans) {
            out.string(s.nodeId()).i32(s.firstLayer()).i32(s.lastLayer()).i32(s.tokens()).i64(s.startEpochNanos())
                    .i64(s.endEpochNanos());
        }
        return out;
    }

    private static KvPaging paging(WireReader in) throws WireFormatException {
        int blocks = in.i32();
        int blockSize = in.i32();
        int maxTokens = in.i32();
        int chunks = in.count(5, "chunk");
        if (blocks < 0 || blockSize < 0 || maxTokens < 0) {
            throw in.error("non-negative paging geometry, got " + blocks + " blocks x " + blockSize + ", "
                    + maxTokens + " tokens");
        }
        int[][] tables = new int[chunks][];
        boolean[] logits = new boolean[chunks];
        for (int i = 0; i < chunks; i++) {
            logits[i] = in.bool();
            tables[i] = in.ints();
        }
        return new KvPaging(blocks, blockSize, maxTokens, tables, logits);
    }

    private static java.util.List<StageSpan> spans(WireReader in) throws WireFormatException {
        int count = in.count(30, "stage span");
        java.util.List<StageSpan> spans = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            spans.add(new StageSpan(in.string(), in.i32(), in.i32(), in.i32(), in.i64(), in.i64()));
        }
        return spans;
    }

    private static int estimate(Message message) {
        return switch (message) {
            case Activation m -> 64 + 8 * m.tokens() + m.values().length * m.format().bytes();
            case Logits m -> 64 + 4 * m.sequenceIds().length + m.values().length * m.format().bytes();
            case ShardChunk m -> 64 + m.tensorName().length() * 3 + m.data().length;
            default -> 64;
        };
    }

    /**
     * Decodes a payload of this build's protocol version.
     *
     * @throws WireFormatException if the payload does not match the layout of its type
     */
    public static Message decode(Frame frame) throws WireFormatException {
        WireReader in = new WireReader(frame.payload(), frame.type());
        Message message = switch (frame.type()) {
            case HELLO -> hello(in);
            case CHALLENGE -> new Challenge(in.raw(WireProtocol.NONCE_BYTES));
            case CHALLENGE_RESPONSE -> new ChallengeResponse(in.raw(32));
            case ACTIVATION -> activation(in);
            case LOGITS -> logits(in);
            case TOKENS -> new Tokens(in.i64(), in.i32(), in.ints(), in.ints());
            case KV_REPLAY -> new KvReplay(in.i64(), in.i32(), in.i32(), in.ints());
            case SHARD_REQUEST -> new ShardRequest(in.i64(), in.string(), in.string(), in.i64(), in.i32());
            case SHARD_CHUNK -> new ShardChunk(in.i64(), in.string(), in.i64(), in.i64(), in.bytes());
            case PING -> new Ping(in.i64(), in.i64());
            case PONG -> new Pong(in.i64(), in.i64());
            case ERROR -> error(in);
            case CLOSE -> new Close(in.string());
            case TOKEN_BATCH -> tokenBatch(in);
            case RELEASE -> new Release(in.i64(), in.ints());
            case NODE_REPORT -> new NodeReport(in.string(), in.i64(), in.string(), in.i32(), in.string(), in.i32(),
                    in.i64(), in.f64(), in.f64(), in.i32(), nonNegative(in, in.i64(), "plan version"));
            case STAGE_ASSIGNMENT -> stageAssignment(in);
            case STAGE_READY -> new StageReady(in.i64(), in.string(), in.bool(), in.string());
            case LINK_REPORT -> new LinkReport(in.string(), in.string(), in.f64(), in.f64());
        };
        in.end();
        return message;
    }

    private static long nonNegative(WireReader in, long value, String what) throws WireFormatException {
        if (value < 0) {
            throw in.error(what + " >= 0, got " + value);
        }
        return value;
    }

    private static Hello hello(WireReader in) throws WireFormatException {
        int magic = in.i32();
        if (magic != WireProtocol.MAGIC) {
            throw new WireFormatException(ErrorCode.PROTOCOL_VIOLATION, String.format(
                    "HELLO magic: expected 0x%08x, got 0x%08x (not a Flotilla node?)", WireProtocol.MAGIC, magic));
        }
        return new Hello(in.u16(), in.string(), in.string());
    }

    private static Activation activation(WireReader in) throws WireFormatException {
        long requestId = in.i64();
        int microBatch = in.i32();
        int width = in.i32();
        FloatFormat format = in.floatFormat();
        int[] sequences = in.ints();
        int[] positions = in.ints();
        if (width < 0 || sequences.length != positions.length) {
            throw in.error("width >= 0 and as many positions as sequence ids, got width " + width + ", "
                    + sequences.length + " sequence ids, " + positions.length + " positions");
        }
        float[] values = in.floats((long) positions.length * width, format);
        return new Activation(requestId, microBatch, sequences, positions, width, format, values, paging(in),
                in.string(), spans(in));
    }

    private static Logits logits(WireReader in) throws WireFormatException {
        long requestId = in.i64();
        int microBatch = in.i32();
        int vocab = in.i32();
        FloatFormat format = in.floatFormat();
        int[] sequences = in.ints();
        if (vocab < 0) {
            throw in.error("vocabulary size >= 0, got " + vocab);
        }
        float[] values = in.floats((long) sequences.length * vocab, format);
        return new Logits(requestId, microBatch, sequences, vocab, format, values, spans(in));
    }

    private static TokenBatch tokenBatch(WireReader in) throws WireFormatException {
        long requestId = in.i64();
        int microBatch = in.i32();
        int[] sequences = in.ints();
        int[] positions = in.ints();
        int[] tokens = in.ints();
        if (sequences.length != positions.length || positions.length != tokens.length) {
            throw in.error("as many positions and tokens as sequence ids, got " + sequences.length + ", "
                    + positions.length + ", " + tokens.length);
        }
        return new TokenBatch(requestId, microBatch, sequences, positions, tokens, paging(in), in.string());
    }

    private static StageAssignment stageAssignment(WireReader in) throws WireFormatException {
        long version = in.i64();
        int first = in.i32();
        int last = in.i32();
        int context = in.i32();
        String host = in.string();
        int port = in.i32();
        String model = in.string();
        String[] names = in.strings();
        String[] hashes = in.strings();
        if (names.length != hashes.length) {
            throw in.error("one hash per tensor name, got " + names.length + " names, " + hashes.length + " hashes");
        }
        return new StageAssignment(version, first, last, context, host, port, model, names, hashes);
    }

    private static Error error(WireReader in) throws WireFormatException {
        long requestId = in.i64();
        int id = in.u16();
        ErrorCode code = ErrorCode.fromId((short) id);
        String text = in.string();
        return new Error(requestId, code == null ? ErrorCode.INTERNAL : code,
                code == null ? "(unknown error code " + id + ") " + text : text);
    }
}
