package io.flotilla.wire;

import java.util.List;

/** One fixed example of every message type; the golden encoding hash is taken over these. */
public final class SampleMessages {
    private SampleMessages() {
    }

    private static final KvPaging PAGING = new KvPaging(64, 16, 128, new int[][] {{3, 7, 9}, {12}},
            new boolean[] {false, true});
    private static final String TRACE_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final StageSpan SPAN = new StageSpan("node-α", 0, 2, 3, 1_700_000_000_000_000_000L,
            1_700_000_000_200_000_000L);

    public static List<Message> all() {
        byte[] nonce = new byte[WireProtocol.NONCE_BYTES];
        byte[] mac = new byte[32];
        for (int i = 0; i < 32; i++) {
            nonce[i] = (byte) (i * 7 + 1);
            mac[i] = (byte) (255 - i * 3);
        }
        float[] hidden = new float[3 * 4];
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = (i - 5) * 0.375f;
        }
        return List.of(
                new Message.Hello(WireProtocol.VERSION, "node-α", "flotilla-test"),
                new Message.Challenge(nonce),
                new Message.ChallengeResponse(mac),
                new Message.Activation(42L, 3, new int[] {0, 0, 1}, new int[] {5, 6, 0}, 4, FloatFormat.F32, hidden),
                new Message.Activation(43L, 4, new int[] {2, 2, 2}, new int[] {7, 8, 9}, 4, FloatFormat.F16, hidden),
                new Message.Activation(44L, 5, new int[] {1, 1, 1}, new int[] {1, 2, 3}, 4, FloatFormat.BF16, hidden),
                new Message.Activation(52L, 9, new int[] {0, 0, 1}, new int[] {31, 32, 0}, 4, FloatFormat.F32, hidden,
                        PAGING, TRACE_PARENT, List.of(SPAN)),
                new Message.Logits(45L, 6, new int[] {0, 1}, 6, FloatFormat.F32, java.util.Arrays.copyOf(hidden, 12)),
                new Message.Logits(53L, 9, new int[] {0}, 6, FloatFormat.F32, java.util.Arrays.copyOf(hidden, 6),
                        List.of(SPAN, new StageSpan("node-β", 2, 4, 3, 1_700_000_000_300_000_000L,
                                1_700_000_000_400_000_000L))),
                new Message.Tokens(46L, 7, new int[] {0, 1}, new int[] {1234, 99}),
                new Message.KvReplay(47L, 2, 16, new int[] {1, 2, 3, 4}),
                new Message.ShardRequest(48L, "sha256:c773a9eb", "blk.0.attn_q.weight", 1L << 33, 65536),
                new Message.ShardChunk(48L, "blk.0.attn_q.weight", 1L << 33, (1L << 33) + 5, new byte[] {1, 2, 3, 4, 5}),
                new Message.Ping(0x0123456789ABCDEFL, 123_456_789L),
                new Message.Pong(0x0123456789ABCDEFL, 123_456_789L),
                new Message.Error(49L, ErrorCode.NOT_FOUND, "no tensor named blk.9.ffn_up.weight"),
                new Message.Close("shutting down"),
                new Message.TokenBatch(50L, 8, new int[] {0, 0, 1}, new int[] {0, 1, 7}, new int[] {1, 450, 2},
                        KvPaging.NONE, ""),
                new Message.TokenBatch(54L, 9, new int[] {0, 0, 1}, new int[] {31, 32, 0}, new int[] {1, 450, 2},
                        PAGING, TRACE_PARENT),
                new Message.Release(51L, new int[] {3, 4}),
                new Message.NodeReport("node-2", 4242L, "127.0.0.1", 40123, "sha256:0f1e", 2, 1L << 32, 1.5e10, 2.5e9,
                        8082, 7L),
                new Message.StageAssignment(3L, 2, 4, 256, "127.0.0.1", 40124, "sha256:0f1e",
                        new String[] {"blk.2.attn_q.weight", "blk.3.attn_q.weight"}, new String[] {"ab12", "cd34"}),
                new Message.StageReady(3L, "node-2", false, "model version sha256:0f1e, node has sha256:9999"),
                new Message.LinkReport("node-1", "node-2", 1.25e-4, 9.5e8));
    }

    /** What {@code message} reads back as: floats rounded through their wire format. */
    public static Message afterRoundTrip(Message message) {
        return switch (message) {
            case Message.Activation m -> new Message.Activation(m.requestId(), m.microBatchId(), m.sequenceIds(),
                    m.positions(), m.width(), m.format(), rounded(m.values(), m.format()), m.paging(), m.traceParent(),
                    m.spans());
            case Message.Logits m -> new Message.Logits(m.requestId(), m.microBatchId(), m.sequenceIds(),
                    m.vocabSize(), m.format(), rounded(m.values(), m.format()), m.spans());
            default -> message;
        };
    }

    private static float[] rounded(float[] values, FloatFormat format) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = format.roundTrip(values[i]);
        }
        return out;
    }
}
