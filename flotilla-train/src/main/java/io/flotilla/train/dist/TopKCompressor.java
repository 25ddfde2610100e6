package io.flotilla.train.dist;

import java.util.Arrays;

/**
 * Top-k sparsification: sends the {@code ceil(density · n)} entries of largest magnitude (values
 * and int32 indices, in index order); everything else stays in the residual.
 */
public final class TopKCompressor implements GradientCompressor {

    private final double density;

    public TopKCompressor(double density) {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("density must be in (0, 1], was " + density);
        }
        this.density = density;
    }

    public double density() {
        return density;
    }

    /** Entries sent for a gradient of {@code n} values. */
    public int k(int n) {
        return n == 0 ? 0 : (int) Math.min(n, Math.max(1, Math.ceil(density * n)));
    }

    @Override
    public CompressedGradient.TopK compress(float[] gradient, float[] residual) {
        GradientCompressor.checkLengths(gradient, residual);
        int n = gradient.length;
        for (int i = 0; i < n; i++) {
            residual[i] += gradient[i];
        }
        int k = k(n);
        float threshold = kthLargestMagnitude(residual, k);
        int[] idx = new int[k];
        float[] val = new float[k];
        int m = 0;
        // strictly above the threshold first, then ties at it in index order, so exactly k are sent
        for (int i = 0; i < n && m < k; i++) {
            if (Math.abs(residual[i]) > threshold) {
                idx[m++] = i;
            }
        }
        for (int i = 0; i < n && m < k; i++) {
            if (Math.abs(residual[i]) == threshold) {
                idx[m++] = i;
            }
        }
        Arrays.sort(idx, 0, m);
        for (int j = 0; j < m; j++) {
            val[j] = residual[idx[j]];
            residual[idx[j]] = 0f;
        }
        return new CompressedGradient.TopK(n, idx, val);
    }

    @Override
    public void decompress(CompressedGradient payload, float[] out) {
        CompressedGradient.TopK p = (CompressedGradient.TopK) payload;
        Arrays.fill(out, 0, p.length(), 0f);
        for (int j = 0; j < p.indices().length; j++) {
            out[p.indices()[j]] = p.values()[j];
        }
    }

    private static float kthLargestMagnitude(float[] a, int k) {
        float[] mags = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            mags[i] = Math.abs(a[i]);
        }
        Arrays.sort(mags);
        return mags[a.length - k];
    }
}
