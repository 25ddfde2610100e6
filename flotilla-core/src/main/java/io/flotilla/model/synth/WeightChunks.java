package io.flotilla.model.synth;

import io.flotilla.quant.Quantizer;
import java.nio.charset.StandardCharsets;

/**
 * Draws a tensor's values chunk by chunk (whole rows, about {@link #CHUNK_ELEMENTS} values each) and
 * encodes them in the tensor's type. Each chunk has its own seed, derived from the model seed, the
 * tensor name and the chunk index, so the values do not depend on how chunks are scheduled.
 */
final class WeightChunks {
    static final int CHUNK_ELEMENTS = 1 << 20;

    private final SyntheticTensor tensor;
    private final long tensorSeed;
    private final int rowsPerChunk;
    private final long rows;

    WeightChunks(SyntheticTensor tensor, long modelSeed) {
        this.tensor = tensor;
        long h = modelSeed * 0x9E3779B97F4A7C15L;
        for (byte b : tensor.name().getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ b);
        }
        this.tensorSeed = h;
        long rowLength = tensor.ne()[0];
        this.rowsPerChunk = (int) Math.max(1, CHUNK_ELEMENTS / rowLength);
        this.rows = tensor.elements() / rowLength;
    }

    int count() {
        return (int) ((rows + rowsPerChunk - 1) / rowsPerChunk);
    }

    /** Chunk {@code c} in the tensor's type. */
    byte[] encode(int c) {
        long first = (long) c * rowsPerChunk;
        int n = (int) (Math.min(rowsPerChunk, rows - first) * tensor.ne()[0]);
        float[] values = new float[n];
        draw(mix(tensorSeed + c), values);
        return Quantizer.quantize(tensor.type(), values);
    }

    private void draw(long state, float[] dst) {
        // approximately normal: the sum of four 16-bit uniforms (Irwin-Hall), rescaled to unit variance
        final float scale = (float) (Math.sqrt(3.0) / 65536.0) * tensor.sigma();
        final float mean = tensor.mean();
        final boolean randomSign = tensor.randomSign();
        long s = state;
        for (int i = 0; i < dst.length; i++) {
            s += 0x9E3779B97F4A7C15L;
            long r = mix(s);
            int sum = (int) (r & 0xFFFF) + (int) ((r >>> 16) & 0xFFFF) + (int) ((r >>> 32) & 0xFFFF) + (int) (r >>> 48);
            float v = mean + (sum - 131070) * scale;
            dst[i] = randomSign && (mix(s ^ 0x5DEECE66DL) & 1) != 0 ? -v : v;
        }
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
