package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import java.io.IOException;

/**
 * Averages a vector over all workers the way a {@link Compression} says: fp32, bf16 and int8 by a
 * ring all-reduce (lossy kinds re-encode every hop, with error feedback), top-k by an all-gather
 * of each worker's sparse payload (a sum of sparse vectors is not sparse), summed in rank order.
 * Every worker ends with the same bits. Top-k sends dense fp32 for the first {@code denseWarmup} calls.
 */
final class GradientExchange {

    private Collective collective;
    private final Compression compression;
    private final int denseWarmup;
    private final CompressorCodec ringCodec;
    private final TopKCompressor topK;
    private final float[] residual;
    private final float[] scratch;
    private long calls;

    GradientExchange(Collective collective, Compression compression, int length, int denseWarmup) {
        this.collective = collective;
        this.compression = compression;
        this.denseWarmup = denseWarmup;
        boolean ring = compression.kind() == Compression.Kind.BF16 || compression.kind() == Compression.Kind.INT8;
        this.ringCodec = ring ? new CompressorCodec(compression.compressor(), length) : null;
        this.topK = compression.kind() == Compression.Kind.TOPK ? (TopKCompressor) compression.compressor() : null;
        this.residual = topK != null ? new float[length] : null;
        this.scratch = topK != null ? new float[length] : null;
    }

    /** Replaces {@code v} with the mean over workers. */
    void mean(float[] v) throws IOException {
        int k = collective.size();
        if (k > 1) {
            if (ringCodec != null) {
                collective.allReduceSum(v, ringCodec);
            } else if (topK != null && calls >= denseWarmup) {
                sparseSum(v);
            } else {
                collective.allReduceSum(v);
            }
            float inv = 1f / k;
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        calls++;
    }

    private void sparseSum(float[] v) throws IOException {
        byte[] mine = CompressorCodec.toBytes(topK.compress(v, residual));
        byte[][] all = collective.allGather(mine);
        java.util.Arrays.fill(v, 0f);
        for (byte[] payload : all) {
            topK.accumulate(CompressorCodec.fromBytes(payload, v.length, topK), v, scratch);
        }
    }

    /** Continues on a re-formed group (after a worker failed); the error-feedback residuals stay. */
    void rebind(Collective regrouped) {
        this.collective = regrouped;
    }

    Compression compression() {
        return compression;
    }
}
