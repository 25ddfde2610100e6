package io.flotilla.train.dist;

/** Blockwise int8: each block of {@code blockSize} values is {@code round(x / s)} with {@code s = max|x| / 127}. */
public final class Int8BlockCompressor implements GradientCompressor {

    private final int blockSize;

    public Int8BlockCompressor(int blockSize) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block size must be positive, was " + blockSize);
        }
        this.blockSize = blockSize;
    }

    public int blockSize() {
        return blockSize;
    }

    @Override
    public CompressedGradient.Int8Blocks compress(float[] gradient, float[] residual) {
        GradientCompressor.checkLengths(gradient, residual);
        int n = gradient.length;
        int blocks = (n + blockSize - 1) / blockSize;
        byte[] q = new byte[n];
        float[] scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            int to = Math.min(n, from + blockSize);
            float max = 0f;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(gradient[i] + residual[i]));
            }
            float scale = max / 127f;
            float inv = scale == 0f ? 0f : 1f / scale;
            scales[b] = scale;
            for (int i = from; i < to; i++) {
                float x = gradient[i] + residual[i];
                int v = Math.max(-127, Math.min(127, Math.round(x * inv)));
                q[i] = (byte) v;
                residual[i] = x - v * scale;
            }
        }
        return new CompressedGradient.Int8Blocks(n, blockSize, q, scales);
    }

    @Override
    public void decompress(CompressedGradient payload, float[] out) {
        CompressedGradient.Int8Blocks p = (CompressedGradient.Int8Blocks) payload;
        for (int i = 0; i < p.length(); i++) {
            out[i] = p.values()[i] * p.scales()[i / p.blockSize()];
        }
    }
}
