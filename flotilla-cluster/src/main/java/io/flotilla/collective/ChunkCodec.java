package io.flotilla.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How a range of floats travels in a ring all-reduce. A lossy codec may keep state per range
 * (error feedback): in a ring, worker {@code r} encodes each range of the buffer exactly once per
 * all-reduce (the partial sums it forwards, then the chunk it owns), so a residual buffer of the
 * buffer's length carries what each encoding lost into the next all-reduce.
 */
public interface ChunkCodec {

    /** Encodes {@code values[from, to)} (whose meaning is "add these" to the receiver). */
    byte[] encode(float[] values, int from, int to);

    /** Writes the floats {@code payload} stands for into {@code out[from, to)}, overwriting them. */
    void decode(byte[] payload, float[] out, int from, int to);

    /** Exact float32, little-endian. */
    static ChunkCodec fp32() {
        return Fp32.INSTANCE;
    }

    /** The lossless codec. */
    enum Fp32 implements ChunkCodec {
        INSTANCE;

        @Override
        public byte[] encode(float[] values, int from, int to) {
            ByteBuffer b = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values, from, to - from);
            return b.array();
        }

        @Override
        public void decode(byte[] payload, float[] out, int from, int to) {
            if (payload.length != 4 * (to - from)) {
                throw new IllegalArgumentException("fp32 payload of " + payload.length + " bytes for "
                        + (to - from) + " values");
            }
            ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, from, to - from);
        }
    }
}
