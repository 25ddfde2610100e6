package io.flotilla.kernel;

import io.flotilla.tensor.WeightMatrix;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The many-token product as a float GEMM, for every weight type: {@code out[t*rows + r] = W[r] · x[t]}
 * on the caller's float activations (not quantized to 8 bits), with the weights dequantized once per
 * call into a per-thread float panel, their block scales folded in ({@code w = d·q}, exact in float).
 *
 * <p>Blocking: a thread's rows go in panels of {@link #ROWS}; each panel's columns in passes of
 * {@link #COLUMNS} (the format's {@link DotKernel#dequantize}; a format without a vectorized one
 * dequantizes whole rows, one pass). A pass decodes {@link #ROWS} × {@link #COLUMNS} floats (32 KB, in L1),
 * then for the tokens four at a time ({@link #block}: 4 rows × 4 tokens, 16 accumulators in
 * registers) reads the four tokens' columns (8 KB, L1 after the first row quad) and adds
 * {@code w[r][k..k+16) · x[t][k..k+16)} with one FMA per 16 weights, row and token. The accumulators
 * go through the thread's scratch between passes (16 lanes per row and token); the lanes are
 * summed once at the end of the row ({@link Lanes#sum(FloatVector)}). The whole batch reuses each
 * pass's panel: the weights are read and decoded once per product, whatever the token count.
 *
 * <p>Not bit-identical to the one-token {@code dot} (which multiplies 8-bit activation quants): a
 * token's result depends, within float rounding, on whether it ran alone or in a batch. Compute uses
 * this path from {@link #MIN_TOKENS} tokens unless batch invariance is asked for
 * ({@code -Dflotilla.batchInvariant=true}: the bit-identical {@link Tiles} and {@code dot4} instead).
 */
final class Gemm {
    /** Rows of a panel (a multiple of 4: the row quads of {@link #block}). */
    static final int ROWS = 16;
    /**
     * Columns of a pass over a panel (a multiple of every block size: 32 and 256; system property
     * {@code flotilla.gemmColumns} to compare). GemmBench, Q4_0 2048×8192, 1 thread: 512 is 5–7 %
     * faster than 256 (half the accumulator loads and stores) and than 1024 (32 KB of panel and 8 KB of
     * activations still fit L1's 48 KB).
     */
    static final int COLUMNS = Integer.getInteger("flotilla.gemmColumns", 512);
    /**
     * Tokens from which Compute takes this path for most formats ({@link DotKernel#gemmTokens}; measured
     * with GemmBench, see docs/performance.md): at 4 tokens it beats {@code dot4} for Q4_0, Q8_0, Q4_K
     * and the formats without a vectorized dequantizer; at 2 it loses (the decoding is paid per product).
     */
    static final int MIN_TOKENS = Integer.getInteger("flotilla.gemmTokens", 4);
    /** Whether this CPU runs the GEMM (16 float lanes, as the dequantizers are written for). */
    static final boolean USABLE = Lanes.N == 16;
    private static final int N = Lanes.N;

    private Gemm() {
    }

    /** One thread's scratch; grows to the largest product seen. */
    static final class Scratch {
        float[] panel = new float[0];
        float[] acc = new float[0];
    }

    /**
     * Whether a product of {@code n} tokens with {@code k}'s weights of {@code cols} columns runs here
     * ({@link DotKernel#gemmTokens}; rows of whole vectors: float weights of a tiny width do not).
     */
    static boolean use(DotKernel k, int n, int cols) {
        return USABLE && n >= k.gemmTokens() && cols % N == 0;
    }

    /** {@code out[t*rows + r] = W[r] · x[t*cols ..]} for rows [r0, r1) and tokens [0, n). */
    static void rows(DotKernel k, WeightMatrix w, float[] x, int n, float[] out, int r0, int r1, Scratch s) {
        int cols = w.cols();
        int pass = k.panels() ? Math.min(COLUMNS, cols) : cols;
        if (s.panel.length < ROWS * pass) {
            s.panel = new float[ROWS * pass];
        }
        if (s.acc.length < ROWS * n * N) {
            s.acc = new float[ROWS * n * N];
        }
        for (int rs = r0; rs < r1; rs += ROWS) {
            int re = Math.min(r1, rs + ROWS);
            int quads = (re - rs + 3) / 4;
            Arrays.fill(s.acc, 0, ROWS * n * N, 0f);
            if (re - rs < 4 * quads) { // rows past re within the last quad stay zero
                Arrays.fill(s.panel, (re - rs) * pass, 4 * quads * pass, 0f);
            }
            for (int c0 = 0; c0 < cols; c0 += pass) {
                int c1 = Math.min(cols, c0 + pass);
                k.dequantize(w, rs, re, c0, c1, s.panel, pass);
                passes(s.panel, pass, quads, x, n, cols, c0, c1 - c0, s.acc);
            }
            finish(s.acc, out, w.rows(), n, rs, re);
        }
    }

    /** One pass: every token against the panel's row quads, four tokens at a time, then one at a time. */
    private static void passes(float[] panel, int stride, int quads, float[] x, int n, int cols, int c0, int len,
                               float[] acc) {
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            for (int q = 0; q < quads; q++) {
                block(panel, 4 * q * stride, stride, x, t * cols + c0, cols, len, acc, (t * ROWS + 4 * q) * N);
            }
        }
        for (; t < n; t++) {
            for (int q = 0; q < quads; q++) {
                column(panel, 4 * q * stride, stride, x, t * cols + c0, len, acc, (t * ROWS + 4 * q) * N);
            }
        }
    }

    /** The lane sums of rows [rs, re) and every token into {@code out}. */
    private static void finish(float[] acc, float[] out, int rows, int n, int rs, int re) {
        for (int t = 0; t < n; t++) {
            for (int r = rs; r < re; r++) {
                out[t * rows + r] = Lanes.sum(FloatVector.fromArray(Lanes.F, acc, (t * ROWS + r - rs) * N));
            }
        }
    }

    /**
     * Rows {@code i = 0..3} of the panel (row {@code i} at {@code p[po + i*ps]}) × tokens {@code j = 0..3}
     * (token {@code j} at {@code x[xo + j*xs]}) over {@code len} columns: accumulator (i, j) at
     * {@code acc[ao + N*(i + ROWS*j)]}. Per 16 columns: 4 panel loads, 4 activation loads, 16 FMAs.
     */
    // Kept small and on its own (16 accumulators + 4 weights + 1 activation = 21 of the 32 vector
    // registers): inlined into a larger caller, its vectors would count against C2's budget there.
    static void block(float[] p, int po, int ps, float[] x, int xo, int xs, int len, float[] acc, int ao) {
        if (len < 0 || len % N != 0 || po < 0 || ps < len || po + 3 * ps + len > p.length || xo < 0 || xs < len
                || xo + 3L * xs + len > x.length || ao < 0 || ao + N * (3 + 3 * ROWS) + N > acc.length) {
            throw new IllegalArgumentException("gemm block out of range: " + len + " columns, panel " + po + "+" + ps
                    + " of " + p.length + ", x " + xo + "+" + xs + " of " + x.length + ", acc " + ao + " of " + acc.length);
        }
        final int a1 = ao + N * ROWS;
        final int a2 = ao + 2 * N * ROWS;
        final int a3 = ao + 3 * N * ROWS;
        FloatVector c00 = FloatVector.fromArray(Lanes.F, acc, ao);
        FloatVector c10 = FloatVector.fromArray(Lanes.F, acc, ao + N);
        FloatVector c20 = FloatVector.fromArray(Lanes.F, acc, ao + 2 * N);
        FloatVector c30 = FloatVector.fromArray(Lanes.F, acc, ao + 3 * N);
        FloatVector c01 = FloatVector.fromArray(Lanes.F, acc, a1);
        FloatVector c11 = FloatVector.fromArray(Lanes.F, acc, a1 + N);
        FloatVector c21 = FloatVector.fromArray(Lanes.F, acc, a1 + 2 * N);
        FloatVector c31 = FloatVector.fromArray(Lanes.F, acc, a1 + 3 * N);
        FloatVector c02 = FloatVector.fromArray(Lanes.F, acc, a2);
        FloatVector c12 = FloatVector.fromArray(Lanes.F, acc, a2 + N);
        FloatVector c22 = FloatVector.fromArray(Lanes.F, acc, a2 + 2 * N);
        FloatVector c32 = FloatVector.fromArray(Lanes.F, acc, a2 + 3 * N);
        FloatVector c03 = FloatVector.fromArray(Lanes.F, acc, a3);
        FloatVector c13 = FloatVector.fromArray(Lanes.F, acc, a3 + N);
        FloatVector c23 = FloatVector.fromArray(Lanes.F, acc, a3 + 2 * N);
        FloatVector c33 = FloatVector.fromArray(Lanes.F, acc, a3 + 3 * N);
        for (int k = 0; k < len; k += N) {
            FloatVector w0 = FloatVector.fromArray(Lanes.F, p, po + k);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, p, po + ps + k);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, p, po + 2 * ps + k);
            FloatVector w3 = FloatVector.fromArray(Lanes.F, p, po + 3 * ps + k);
            FloatVector v = FloatVector.fromArray(Lanes.F, x, xo + k);
            c00 = w0.fma(v, c00);
            c10 = w1.fma(v, c10);
            c20 = w2.fma(v, c20);
            c30 = w3.fma(v, c30);
            v = FloatVector.fromArray(Lanes.F, x, xo + xs + k);
            c01 = w0.fma(v, c01);
            c11 = w1.fma(v, c11);
            c21 = w2.fma(v, c21);
            c31 = w3.fma(v, c31);
            v = FloatVector.fromArray(Lanes.F, x, xo + 2 * xs + k);
            c02 = w0.fma(v, c02);
            c12 = w1.fma(v, c12);
            c22 = w2.fma(v, c22);
            c32 = w3.fma(v, c32);
            v = FloatVector.fromArray(Lanes.F, x, xo + 3 * xs + k);
            c03 = w0.fma(v, c03);
            c13 = w1.fma(v, c13);
            c23 = w2.fma(v, c23);
            c33 = w3.fma(v, c33);
        }
        c00.intoArray(acc, ao);
        c10.intoArray(acc, ao + N);
        c20.intoArray(acc, ao + 2 * N);
        c30.intoArray(acc, ao + 3 * N);
        c01.intoArray(acc, a1);
        c11.intoArray(acc, a1 + N);
        c21.intoArray(acc, a1 + 2 * N);
        c31.intoArray(acc, a1 + 3 * N);
        c02.intoArray(acc, a2);
        c12.intoArray(acc, a2 + N);
        c22.intoArray(acc, a2 + 2 * N);
        c32.intoArray(acc, a2 + 3 * N);
        c03.intoArray(acc, a3);
        c13.intoArray(acc, a3 + N);
        c23.intoArray(acc, a3 + 2 * N);
        c33.intoArray(acc, a3 + 3 * N);
    }

    /** {@link #block} for one token: 4 rows × 1 token (the tokens past the last multiple of 4). */
    private static void column(float[] p, int po, int ps, float[] x, int xo, int len, float[] acc, int ao) {
        if (len < 0 || len % N != 0 || po < 0 || ps < len || po + 3 * ps + len > p.length || xo < 0
                || xo + len > x.length || ao < 0 || ao + 4 * N > acc.length) {
            throw new IllegalArgumentException("gemm column out of range: " + len + " columns, panel " + po + "+" + ps
                    + " of " + p.length + ", x " + xo + " of " + x.length + ", acc " + ao + " of " + acc.length);
        }
        FloatVector c0 = FloatVector.fromArray(Lanes.F, acc, ao);
        FloatVector c1 = FloatVector.fromArray(Lanes.F, acc, ao + N);
        FloatVector c2 = FloatVector.fromArray(Lanes.F, acc, ao + 2 * N);
        FloatVector c3 = FloatVector.fromArray(Lanes.F, acc, ao + 3 * N);
        for (int k = 0; k < len; k += N) {
            FloatVector v = FloatVector.fromArray(Lanes.F, x, xo + k);
            c0 = FloatVector.fromArray(Lanes.F, p, po + k).fma(v, c0);
            c1 = FloatVector.fromArray(Lanes.F, p, po + ps + k).fma(v, c1);
            c2 = FloatVector.fromArray(Lanes.F, p, po + 2 * ps + k).fma(v, c2);
            c3 = FloatVector.fromArray(Lanes.F, p, po + 3 * ps + k).fma(v, c3);
        }
        c0.intoArray(acc, ao);
        c1.intoArray(acc, ao + N);
        c2.intoArray(acc, ao + 2 * N);
        c3.intoArray(acc, ao + 3 * N);
    }
}
