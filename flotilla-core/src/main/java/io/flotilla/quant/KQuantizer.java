package io.flotilla.quant;

import static io.flotilla.quant.Quantizer.half;
import static io.flotilla.quant.Quantizer.nearestInt;
import static io.flotilla.quant.Quantizer.putHalf;

/**
 * ggml's reference K-quantizers (Q4_K, Q5_K: per sub-block scale and min searched by
 * {@code make_qkx2_quants}, then the scales themselves quantized to 6 bits; Q6_K: per sub-block
 * symmetric scale by {@code make_qx_quants}, quantized to 8 bits). One super-block of 256 per call.
 */
final class KQuantizer {
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizer() {
    }

    static void q4_K(float[] x, int xo, byte[] y, int yo) {
        int[] l = new int[256];
        packScalesAndMins(x, xo, y, yo, l, 15, -1f, 20);
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 32; i++) {
                y[yo + 16 + 32 * c + i] = (byte) (l[64 * c + i] | l[64 * c + 32 + i] << 4);
            }
        }
    }

    static void q5_K(float[] x, int xo, byte[] y, int yo) {
        int[] l = new int[256];
        packScalesAndMins(x, xo, y, yo, l, 31, -0.5f, 15);
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 32; i++) {
                int l1 = l[64 * c + i];
                int l2 = l[64 * c + 32 + i];
                int qh = y[yo + 16 + i];
                if (l1 > 15) {
                    l1 -= 16;
                    qh |= 1 << (2 * c);
                }
                if (l2 > 15) {
                    l2 -= 16;
                    qh |= 2 << (2 * c);
                }
                y[yo + 16 + i] = (byte) qh;
                y[yo + 48 + 32 * c + i] = (byte) (l1 | l2 << 4);
            }
        }
    }

    /**
     * Q4_K/Q5_K common part: fits (scale, min) per sub-block of 32, writes d, dmin and the 12
     * scale bytes at {@code y[yo..yo+16)}, and leaves the final levels (0..nmax) in {@code l}.
     */
    private static void packScalesAndMins(float[] x, int xo, byte[] y, int yo, int[] l, int nmax, float rmin,
            int nstep) {
        float[] scales = new float[8];
        float[] mins = new float[8];
        float[] weights = new float[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int o = xo + 32 * j;
            float sumX2 = 0;
            for (int i = 0; i < 32; i++) {
                sumX2 += x[o + i] * x[o + i];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int i = 0; i < 32; i++) {
                weights[i] = avX + Math.abs(x[o + i]);
            }
            scales[j] = makeQkx2Quants(32, nmax, x, o, weights, l, 32 * j, mins, j, rmin, 0.1f, nstep);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            KScales.put(y, yo + 4, j, ls, lm);
        }
        putHalf(y, yo, maxScale / 63.f);
        putHalf(y, yo + 2, maxMin / 63.f);
        float dAll = half(maxScale / 63.f);
        float dminAll = half(maxMin / 63.f);
        for (int j = 0; j < 8; j++) {
            float d = dAll * KScales.scale(y, yo + 4, j);
            if (d == 0) {
                continue;
            }
            float dm = dminAll * KScales.min(y, yo + 4, j);
            for (int i = 0; i < 32; i++) {
                int q = nearestInt((x[xo + 32 * j + i] + dm) / d);
                l[32 * j + i] = Math.max(0, Math.min(nmax, q));
            }
        }
    }

    /**
     * ggml's {@code make_qkx2_quants} with {@code use_mad = false}: levels 0..nmax for
     * {@code x[xo..xo+n)} minimizing the weighted squared error of {@code scale*l - min}, trying
     * {@code nstep+1} candidate scales. Writes levels to {@code out[lo..]}, the (non-negative) min to
     * {@code minOut[mi]}, and returns the scale.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] out, int lo,
            float[] minOut, int mi, float rmin, float rdelta, int nstep) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                out[lo + i] = 0;
            }
            minOut[mi] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            out[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            bestError += weights[i] * (diff * diff);
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, out, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[mi] = -min;
        return scale;
    }

    static void q6_K(float[] x, int xo, byte[] y, int yo) {
        int[] l = new int[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            scales[ib] = makeQxQuants(16, 32, x, xo + 16 * ib, l, 16 * ib);
            if (Math.abs(scales[ib]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[ib]);
                maxScale = scales[ib];
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            return; // an all-zero block, d = 0
        }
        float iscale = -128.f / maxScale;
        putHalf(y, yo + 208, 1 / iscale);
        float dAll = half(1 / iscale);
        for (int ib = 0; ib < 16; ib++) {
            y[yo + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        for (int j = 0; j < 16; j++) {
            float d = dAll * y[yo + 192 + j];
            if (d == 0) {
                continue;
            }
            for (int i = 0; i < 16; i++) {
                int q = nearestInt(x[xo + 16 * j + i] / d);
                l[16 * j + i] = Math.max(-32, Math.min(31, q)) + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            int j = 128 * h;
            for (int i = 0; i < 32; i++) {
                int q1 = l[j + i];
                int q2 = l[j + i + 32];
                int q3 = l[j + i + 64];
                int q4 = l[j + i + 96];
                y[yo + 64 * h + i] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                y[yo + 64 * h + i + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                y[yo + 128 + 32 * h + i] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights (weights
     * {@code x^2}): symmetric levels -nmax..nmax-1 stored as {@code l + nmax}; returns the scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] out, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                out[lo + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            out[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    out[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }
}
