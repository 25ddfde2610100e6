package io.flotilla.kernel;

import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batch-invariant many-token product ({@link Compute#batchInvariant}; by default many tokens go
 * through the faster float {@link Gemm}, which is not bit-identical to {@code dot}) for the formats whose
 * {@link DotKernel#tileTokens} is set: float FMAs on the integer quants instead of
 * {@link DotKernel#dot4}'s widening integer products.
 *
 * <p>Tokens go in groups of {@link #TOKENS}, rows in tiles of {@link #ROWS}, columns in passes of
 * {@link #BLOCKS} blocks of 32. For each pair of rows of a tile and each pass, the format decodes the
 * weights once into floats ({@link DotKernel#decode}: the quants, small integers) and computes the
 * scales {@code dw·da} of every token ({@link DotKernel#scales}, with the scalar parts such as
 * Q4_0's offset or Q4_K's mins, one lane per token); then for four tokens at a time and the two
 * rows ({@link #block}), per block: {@code p = lo·a[0..16) + hi·a[16..32)} (a multiply and an FMA on activation
 * quants stored as floats, {@link Activations#qt}: each lane sums two products below 2^15, so
 * {@code p} is the integer lane sum of {@code dot}, exactly) and {@code acc = fma(p, scale, acc)}.
 * The group's activations of one pass (8 blocks × 16 tokens × 128 bytes = 16 KB) and the tile's
 * accumulators (16 rows × 16 tokens × 64 bytes) stay in L1 while the rows pass over them.
 *
 * <p>Bit-identical to {@link DotKernel#dot}: the same lanes, the same block order, the same
 * rounded scale products and the same final lane sum ({@link Lanes#sum(float[], int)}), so a
 * token's logits do not depend on whether it was computed alone or in a batch (TilesTest). Needs
 * 16 float lanes (AVX-512): with 8 lanes {@code dot} splits each block over two FMAs, which the
 * tiles do not copy, so such CPUs keep {@code dot4}.
 *
 * <p>A (2 rows × 4 tokens) block keeps its eight accumulators in registers over a pass and goes
 * through the thread's scratch between passes. That method is compiled on its own (never inlined
 * into its caller, whose vectors would then overflow C2's budget for Vector API code and be boxed,
 * see docs/performance.md); on its own it compiles to straight SIMD code.
 */
final class Tiles {
    /** Tokens per group: the activations of one group are laid out together ({@link Activations#qt}). */
    static final int TOKENS = 16;
    /** Rows of one tile. */
    static final int ROWS = 16;
    /** Blocks of 32 columns per pass over a tile's rows (a multiple of 8 for the K-quants' 256). */
    static final int BLOCKS = 8;
    /** Whether this CPU's lanes allow the tiles (see the class comment). */
    static final boolean USABLE = Lanes.N == 16;

    private Tiles() {
    }

    /** One thread's scratch. */
    static final class Scratch {
        /** The lanes of every (row, token) of a tile: {@link #ROWS} × {@link #TOKENS} × {@link Lanes#N} floats. */
        final float[] acc = new float[ROWS * TOKENS * Lanes.N];
        /** The scalar part of every (row, token) of a tile. */
        final float[] off = new float[ROWS * TOKENS];
        /** Two rows' block scales of a column pass, {@link #TOKENS} per block, the second row from {@link #SC1}. */
        final float[] sc = new float[2 * BLOCKS * TOKENS];
        /** Two rows' decoded blocks of a column pass, 32 floats per block, the second row from {@link #WQ1}. */
        final float[] wq = new float[2 * BLOCKS * 32];
    }

    /** Where the second row of a pair starts in {@link Scratch#sc}. */
    private static final int SC1 = BLOCKS * TOKENS;
    /** Where the second row of a pair starts in {@link Scratch#wq}. */
    private static final int WQ1 = BLOCKS * 32;

    /** One float lane per token of a group (16 lanes: a 512-bit vector). */
    private static final VectorSpecies<Float> GROUP = VectorSpecies.of(float.class, VectorShape.forBitSize(32 * TOKENS));

    /** Whether {@code k} runs through tiles for {@code n} tokens. */
    static boolean use(DotKernel k, int n) {
        return USABLE && k.tileTokens() > 0 && n >= k.tileTokens();
    }

    /**
     * {@code out[t*rows + r] = W[r] · x[t]} for rows [r0, r1) and every token of {@code a}, which
     * {@link Activations#tile()} has laid out. Token groups are the outer loop: a thread's rows are
     * read once per group of tokens, from L2 after the first group when they fit. A last group of
     * fewer than {@link DotKernel#tileTokens} tokens is left to {@link Kernels#rows}: returns the
     * first token not computed.
     */
    static int rows(DotKernel k, WeightMatrix w, Activations a, float[] out, int r0, int r1, Scratch s) {
        int rows = w.rows();
        int n = a.n();
        int g = 0;
        for (; g < n && n - g >= Math.min(TOKENS, k.tileTokens()); g += TOKENS) {
            int c = Math.min(TOKENS, n - g);
            for (int rs = r0; rs < r1; rs += ROWS) {
                int re = Math.min(r1, rs + ROWS);
                Arrays.fill(s.acc, 0, (re - rs) * TOKENS * Lanes.N, 0f);
                Arrays.fill(s.off, 0, (re - rs) * TOKENS, 0f);
                tile(k, w, a, g, c, rs, re, s);
                finish(k, s, out, rows, g, c, rs, re);
            }
        }
        return Math.min(g, n);
    }

    /**
     * The accumulators of rows [rs, re) and the {@code c} tokens of the group from token {@code g}:
     * column passes of {@link #BLOCKS} blocks; in each, rows two at a time (an odd last row pairs
     * with itself) are decoded and scaled once, then {@link #block} runs over the tokens four at a
     * time (tokens past {@code c} up to a multiple of 4 are computed on the group's zero padding and
     * never read).
     */
    private static void tile(DotKernel k, WeightMatrix w, Activations a, int g, int c, int rs, int re, Scratch s) {
        MemorySegment data = w.data();
        long rowBytes = w.type().byteSize(w.cols());
        int blocks = w.cols() / Activations.BLOCK;
        int slot0 = g * blocks;
        int c4 = (c + 3) & ~3;
        for (int b = 0; b < blocks; b += BLOCKS) {
            int b1 = Math.min(blocks, b + BLOCKS);
            for (int r = rs; r < re; r += 2) {
                int r2 = Math.min(r + 1, re - 1);
                // one call site each, so that their vectors, inlined here, count once in C2's budget
                for (int i = r; i <= r2; i++) {
                    k.scales(data, i * rowBytes, b, b1, a, slot0, s.sc, SC1 * (i - r), s.off, (i - rs) * TOKENS);
                    k.decode(data, i * rowBytes, b, b1, s.wq, WQ1 * (i - r));
                }
                if (r2 == r) { // an odd last row pairs with itself: its scalar part must be added once
                    System.arraycopy(s.sc, 0, s.sc, SC1, SC1);
                    System.arraycopy(s.wq, 0, s.wq, WQ1, WQ1);
                }
                int x0 = 32 * (slot0 + b * TOKENS);
                int ao = (r - rs) * TOKENS * Lanes.N;
                int ao2 = (r2 - rs) * TOKENS * Lanes.N;
                for (int t = 0; t < c4; t += 4) {
                    block(s.wq, s.sc, a.qt, x0 + 32 * t, t, b1 - b, s.acc, ao + Lanes.N * t, ao2 + Lanes.N * t);
                }
            }
        }
    }

    /** The results of rows [rs, re) and tokens [g, g+c) from their accumulators: lane sums in {@code dot}'s order. */
    private static void finish(DotKernel k, Scratch s, float[] out, int rows, int g, int c, int rs, int re) {
        for (int r = rs; r < re; r++) {
            for (int t = 0; t < c; t++) {
                int cell = (r - rs) * TOKENS + t;
                float lanes = Lanes.sum(FloatVector.fromArray(Lanes.F, s.acc, cell * Lanes.N));
                out[(g + t) * rows + r] = k.finish(lanes, s.off[cell]);
            }
        }
    }

    /**
     * Two rows × four tokens over the {@code nb} blocks of a column pass, the eight accumulators in
     * registers: for row {@code i} (decoded blocks at {@code wq[i*WQ1]}, block scales at
     * {@code sc[i*SC1]}) and token {@code t + j}, per block in dot's order,
     * {@code acc = fma(hi·x[16..32) + lo·x[0..16), scale, acc)}. Activations of token
     * {@code t + j} and block {@code b} start at {@code x[xo + 32*(b*TOKENS + j)]}; accumulators of
     * the two rows at {@code acc[ao0 + N*j]} and {@code acc[ao1 + N*j]} (equal for a row paired with
     * itself: both then compute the same values). Per block: 4 weight loads, 8 activation loads,
     * 8 scale broadcasts and 24 float operations for 8 (row, token) cells.
     */
    // Kept out of tile (its bytecode is far above FreqInlineSize): inlined there, its vectors would
    // join the caller's and overflow C2's budget for Vector API code (boxing, see docs/performance.md).
    // Two arrays for the weights and scales of both rows, not four: fewer live registers in the
    // loop (with four, C2 parked array bases in vector registers and moved them back every block).
    private static void block(float[] wq, float[] sc, float[] x, int xo, int t, int nb, float[] acc, int ao0, int ao1) {
        if (nb < 1 || nb > BLOCKS || wq.length < 2 * WQ1 || sc.length < 2 * SC1 || t < 0 || t + 4 > TOKENS || xo < 0 || xo + 32 * ((nb - 1) * TOKENS + 4) > x.length
                || ao0 < 0 || ao1 < 0 || Math.max(ao0, ao1) + 4 * Lanes.N > acc.length) {
            throw new IllegalArgumentException("tile block out of range: blocks " + nb + ", token " + t + ", x " + xo
                    + " of " + x.length + ", acc " + ao0 + "/" + ao1 + " of " + acc.length);
        }
        FloatVector c00 = FloatVector.fromArray(Lanes.F, acc, ao0);
        FloatVector c01 = FloatVector.fromArray(Lanes.F, acc, ao0 + Lanes.N);
        FloatVector c02 = FloatVector.fromArray(Lanes.F, acc, ao0 + 2 * Lanes.N);
        FloatVector c03 = FloatVector.fromArray(Lanes.F, acc, ao0 + 3 * Lanes.N);
        FloatVector c10 = FloatVector.fromArray(Lanes.F, acc, ao1);
        FloatVector c11 = FloatVector.fromArray(Lanes.F, acc, ao1 + Lanes.N);
        FloatVector c12 = FloatVector.fromArray(Lanes.F, acc, ao1 + 2 * Lanes.N);
        FloatVector c13 = FloatVector.fromArray(Lanes.F, acc, ao1 + 3 * Lanes.N);
        for (int b = 0; b < nb; b++) {
            int xb = xo + 32 * TOKENS * b;
            int s = TOKENS * b + t;
            FloatVector wl = FloatVector.fromArray(Lanes.F, wq, 32 * b);
            FloatVector wh = FloatVector.fromArray(Lanes.F, wq, 32 * b + 16);
            FloatVector vl = FloatVector.fromArray(Lanes.F, wq, WQ1 + 32 * b);
            FloatVector vh = FloatVector.fromArray(Lanes.F, wq, WQ1 + 32 * b + 16);
            FloatVector xl = FloatVector.fromArray(Lanes.F, x, xb);
            FloatVector xh = FloatVector.fromArray(Lanes.F, x, xb + 16);
            c00 = wh.fma(xh, wl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[s]), c00);
            c10 = vh.fma(xh, vl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[SC1 + s]), c10);
            xl = FloatVector.fromArray(Lanes.F, x, xb + 32);
            xh = FloatVector.fromArray(Lanes.F, x, xb + 48);
            c01 = wh.fma(xh, wl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[s + 1]), c01);
            c11 = vh.fma(xh, vl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[SC1 + s + 1]), c11);
            xl = FloatVector.fromArray(Lanes.F, x, xb + 64);
            xh = FloatVector.fromArray(Lanes.F, x, xb + 80);
            c02 = wh.fma(xh, wl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[s + 2]), c02);
            c12 = vh.fma(xh, vl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[SC1 + s + 2]), c12);
            xl = FloatVector.fromArray(Lanes.F, x, xb + 96);
            xh = FloatVector.fromArray(Lanes.F, x, xb + 112);
            c03 = wh.fma(xh, wl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[s + 3]), c03);
            c13 = vh.fma(xh, vl.mul(xl)).fma(FloatVector.broadcast(Lanes.F, sc[SC1 + s + 3]), c13);
        }
        c00.intoArray(acc, ao0);
        c01.intoArray(acc, ao0 + Lanes.N);
        c02.intoArray(acc, ao0 + 2 * Lanes.N);
        c03.intoArray(acc, ao0 + 3 * Lanes.N);
        c10.intoArray(acc, ao1);
        c11.intoArray(acc, ao1 + Lanes.N);
        c12.intoArray(acc, ao1 + 2 * Lanes.N);
        c13.intoArray(acc, ao1 + 3 * Lanes.N);
    }

    /**
     * {@link DotKernel#scales} of formats whose blocks start with their f16 scale and whose scalar
     * part is {@code Σ dw·da·sum} (Q4_0): one lane per token of the group.
     */
    static void scales(MemorySegment w, long row, int blockBytes, int b0, int b1, Activations a, int slot0,
                       float[] sc, int so, float[] off, int oo) {
        FloatVector o = FloatVector.fromArray(GROUP, off, oo);
        for (int b = b0; b < b1; b++) {
            int slot = slot0 + b * TOKENS;
            FloatVector s = FloatVector.broadcast(GROUP, Lanes.f16(w, row + (long) blockBytes * b))
                    .mul(FloatVector.fromArray(GROUP, a.dt, slot));
            s.intoArray(sc, so + (b - b0) * TOKENS);
            o = o.add(s.mul(FloatVector.fromArray(GROUP, a.st, slot)));
        }
        o.intoArray(off, oo);
    }

    /** {@link #scales} without a scalar part (Q8_0). */
    static void scales(MemorySegment w, long row, int blockBytes, int b0, int b1, Activations a, int slot0,
                       float[] sc, int so) {
        for (int b = b0; b < b1; b++) {
            FloatVector.broadcast(GROUP, Lanes.f16(w, row + (long) blockBytes * b))
                    .mul(FloatVector.fromArray(GROUP, a.dt, slot0 + b * TOKENS)).intoArray(sc, so + (b - b0) * TOKENS);
        }
    }

    /** {@code sc[i .. i+TOKENS) = ws · dt[slot ..]}: one block's scales for the group's tokens. */
    static void scale(float ws, Activations a, int slot, float[] sc, int i) {
        FloatVector.broadcast(GROUP, ws).mul(FloatVector.fromArray(GROUP, a.dt, slot)).intoArray(sc, i);
    }

    /**
     * {@code off[oo ..] += dmin · (m0·d·sum + m1·d'·sum')} for blocks at {@code slot} and
     * {@code slot + TOKENS} (a Q4_K sub-block pair), as {@link Q4_KKernel#dot} rounds it.
     */
    static void mins(float dmin, int m0, int m1, Activations a, int slot, float[] off, int oo) {
        FloatVector x = FloatVector.broadcast(GROUP, (float) m0).mul(FloatVector.fromArray(GROUP, a.dt, slot))
                .mul(FloatVector.fromArray(GROUP, a.st, slot));
        FloatVector y = FloatVector.broadcast(GROUP, (float) m1).mul(FloatVector.fromArray(GROUP, a.dt, slot + TOKENS))
                .mul(FloatVector.fromArray(GROUP, a.st, slot + TOKENS));
        FloatVector.broadcast(GROUP, dmin).mul(x.add(y)).add(FloatVector.fromArray(GROUP, off, oo)).intoArray(off, oo);
    }
}
