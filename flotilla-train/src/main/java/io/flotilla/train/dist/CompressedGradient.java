package io.flotilla.train.dist;

/** What a {@link GradientCompressor} puts on the wire for one gradient of {@code length} floats. */
public sealed interface CompressedGradient
        permits CompressedGradient.Bf16, CompressedGradient.Int8Blocks, CompressedGradient.TopK {

    /** Elements of the dense gradient this stands for. */
    int length();

    /** Bytes of payload (values, scales, indices; no framing). */
    long payloadBytes();

    /** Bytes of the same gradient as dense fp32. */
    default long denseBytes() {
        return 4L * length();
    }

    /** {@code payloadBytes / denseBytes}: 0.5 for bf16, about 0.27 for int8 blocks of 64. */
    default double ratioToDense() {
        return length() == 0 ? 0 : (double) payloadBytes() / denseBytes();
    }

    /** Every value as the upper 16 bits of its fp32 (round to nearest even). */
    record Bf16(short[] values) implements CompressedGradient {
        @Override
        public int length() {
            return values.length;
        }

        @Override
        public long payloadBytes() {
            return 2L * values.length;
        }
    }

    /** Blocks of {@code blockSize} values as int8 times the block's fp32 scale. */
    record Int8Blocks(int length, int blockSize, byte[] values, float[] scales) implements CompressedGradient {
        @Override
        public long payloadBytes() {
            return values.length + 4L * scales.length;
        }
    }

    /** The {@code k} largest-magnitude entries: fp32 values with their int32 indices. */
    record TopK(int length, int[] indices, float[] values) implements CompressedGradient {
        @Override
        public long payloadBytes() {
            return 4L * indices.length + 4L * values.length;
        }
    }
}
