package io.flotilla.train.dist;

import io.flotilla.collective.ChunkCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A {@link GradientCompressor} as the codec of a ring all-reduce, with an error-feedback residual
 * as long as the reduced buffer: each range a worker encodes (a partial sum it forwards, or the
 * chunk it owns) leaves what the encoding lost in the residual, which the next all-reduce adds
 * back. Also the byte form of every {@link CompressedGradient} (little-endian).
 */
final class CompressorCodec implements ChunkCodec {

    private final GradientCompressor compressor;
    private final float[] residual;

    CompressorCodec(GradientCompressor compressor, int length) {
        this.compressor = compressor;
        this.residual = new float[length];
    }

    @Override
    public byte[] encode(float[] values, int from, int to) {
        float[] x = Arrays.copyOfRange(values, from, to);
        float[] r = Arrays.copyOfRange(residual, from, to);
        CompressedGradient c = compressor.compress(x, r);
        System.arraycopy(r, 0, residual, from, r.length);
        return toBytes(c);
    }

    @Override
    public void decode(byte[] payload, float[] out, int from, int to) {
        float[] x = new float[to - from];
        compressor.decompress(fromBytes(payload, to - from, compressor), x);
        System.arraycopy(x, 0, out, from, x.length);
    }

    /** The payload bytes: values, scales and indices, nothing else. */
    static byte[] toBytes(CompressedGradient c) {
        ByteBuffer b = ByteBuffer.allocate((int) c.payloadBytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (c) {
            case CompressedGradient.Bf16 h -> b.asShortBuffer().put(h.values());
            case CompressedGradient.Int8Blocks q -> {
                b.asFloatBuffer().put(q.scales());
                b.position(4 * q.scales().length);
                b.put(q.values());
            }
            case CompressedGradient.TopK t -> {
                b.asIntBuffer().put(t.indices());
                b.position(4 * t.indices().length);
                b.asFloatBuffer().put(t.values());
            }
        }
        return b.array();
    }

    /** Reads what {@link #toBytes} wrote for a gradient of {@code length} values. */
    static CompressedGradient fromBytes(byte[] payload, int length, GradientCompressor compressor) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return switch (compressor) {
            case Bf16Compressor h -> {
                check(payload, 2L * length, "bf16", length);
                short[] v = new short[length];
                b.asShortBuffer().get(v);
                yield new CompressedGradient.Bf16(v);
            }
            case Int8BlockCompressor q -> {
                int blocks = (length + q.blockSize() - 1) / q.blockSize();
                check(payload, 4L * blocks + length, "int8", length);
                float[] scales = new float[blocks];
                b.asFloatBuffer().get(scales);
                byte[] v = new byte[length];
                b.position(4 * blocks).get(v);
                yield new CompressedGradient.Int8Blocks(length, q.blockSize(), v, scales);
            }
            case TopKCompressor t -> {
                if (payload.length % 8 != 0) {
                    throw new IllegalArgumentException("top-k payload of " + payload.length + " bytes is not k × 8");
                }
                int k = payload.length / 8;
                int[] idx = new int[k];
                float[] val = new float[k];
                b.asIntBuffer().get(idx);
                b.position(4 * k);
                b.asFloatBuffer().get(val);
                for (int i : idx) {
                    if (i < 0 || i >= length) {
                        throw new IllegalArgumentException("top-k index " + i + " outside a gradient of " + length);
                    }
                }
                yield new CompressedGradient.TopK(length, idx, val);
            }
        };
    }

    private static void check(byte[] payload, long expected, String kind, int length) {
        if (payload.length != expected) {
            throw new IllegalArgumentException(kind + " payload of " + payload.length + " bytes for " + length
                    + " values, expected " + expected);
        }
    }
}
