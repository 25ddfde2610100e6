package io.flotilla.kernel;

import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The many-token product (prefill, batched steps) for the formats whose
 * {@link DotKernel#tileTokens} is set: float FMAs on the integer quants instead of
 * {@link DotKernel#dot4}'s widening integer products.
 *
 * <p>Tokens go in groups of {@link #TOKENS}, rows in tiles of {@link #ROWS}, columns in passes of
 * {@link #BLOCKS} blocks of 32. For each row of a tile and each pass, the format decodes the
 * weights once into floats ({@link DotKernel#decode}: the quants, small integers) and computes the
 * scales {@code dw·da} of every token ({@link DotKernel#scales}, with the scalar parts such as
 * Q4_0's offset or Q4_K's mins, one lane per token); then for every token of the group and two
 * blocks at a time: {@code p = lo·a[0..16) + hi·a[16..32)} (a multiply and an FMA on activation
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
 * <p>The accumulators go through memory between blocks (an array in the thread's scratch), not
 * registers: a method that keeps more vectors live across its loop exceeds C2's inlining budget
 * for Vector API code and gets its vectors boxed (see docs/performance.md).
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
        /** One row's block scales of a column pass, {@link #TOKENS} per block. */
        final float[] sc = new float[BLOCKS * TOKENS];
        /** One row's decoded blocks of a column pass, 32 floats per block. */
        final float[] wq = new float[BLOCKS * 32];
    }

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
        MemorySegment data = w.data();
        long rowBytes = w.type().byteSize(w.cols());
        int rows = w.rows();
        int blocks = w.cols() / Activations.BLOCK;
        int n = a.n();
        int g = 0;
        for (; g < n && n - g >= Math.min(TOKENS, k.tileTokens()); g += TOKENS) {
            int c = Math.min(TOKENS, n - g);
            int slot0 = g * blocks;
            for (int rs = r0; rs < r1; rs += ROWS) {
                int re = Math.min(r1, rs + ROWS);
                Arrays.fill(s.acc, 0, (re - rs) * TOKENS * Lanes.N, 0f);
                Arrays.fill(s.off, 0, (re - rs) * TOKENS, 0f);
                for (int b = 0; b < blocks; b += BLOCKS) {
                    int b1 = Math.min(blocks, b + BLOCKS);
                    for (int r = rs; r < re; r++) {
                        k.scales(data, r * rowBytes, b, b1, a, slot0, s.sc, s.off, (r - rs) * TOKENS);
                        k.decode(data, r * rowBytes, b, b1, s.wq);
                        int ao = (r - rs) * TOKENS * Lanes.N;
                        int j = 0;
                        for (; j + 2 <= b1 - b; j += 2) {
                            pair(s.wq, j, a.qt, slot0 + (b + j) * TOKENS, c, s.acc, ao, s.sc);
                        }
                        if (j < b1 - b) {
                            single(s.wq, j, a.qt, slot0 + (b + j) * TOKENS, c, s.acc, ao, s.sc);
                        }
                    }
                }
                for (int r = rs; r < re; r++) {
                    for (int t = 0; t < c; t++) {
                        int cell = (r - rs) * TOKENS + t;
                        out[(g + t) * rows + r] = k.finish(Lanes.sum(s.acc, cell), s.off[cell]);
                    }
                }
            }
        }
        return Math.min(g, n);
    }

    /**
     * Decoded blocks {@code j} and {@code j+1} of {@code wq} (activation slots from {@code slot}) times
     * the {@code c} tokens of the group, into their accumulators at {@code acc[ao + t*N]}: each
     * token's accumulator is loaded once for both blocks, in dot's order (block j, then j+1).
     */
    // pair and single check their arguments in full, which also keeps their bytecode above C2's
    // FreqInlineSize (325): inlined into rows (a 1B Q4_K prefill did that), their vectors joined
    // rows' own and overflowed the Vector API budget (prefill 0.82x of dot4 instead of 1.7-2x).
    private static void pair(float[] wq, int j, float[] x, int slot, int c, float[] acc, int ao, float[] sc) {
        if (j < 0 || c < 1 || c > TOKENS || ao < 0 || ao + Lanes.N * c > acc.length || 32 * j + 64 > wq.length
                || slot < 0 || 32 * (slot + TOKENS + c) > x.length || TOKENS * (j + 1) + c > sc.length) {
            throw new IllegalArgumentException("tile pair out of range: block " + j + ", slot " + slot + ", tokens " + c
                    + ", acc " + ao + " of " + acc.length + ", wq " + wq.length + ", x " + x.length + ", sc " + sc.length);
        }
        FloatVector lo0 = FloatVector.fromArray(Lanes.F, wq, 32 * j);
        FloatVector hi0 = FloatVector.fromArray(Lanes.F, wq, 32 * j + 16);
        FloatVector lo1 = FloatVector.fromArray(Lanes.F, wq, 32 * j + 32);
        FloatVector hi1 = FloatVector.fromArray(Lanes.F, wq, 32 * j + 48);
        int x0 = 32 * slot;
        int x1 = x0 + 32 * TOKENS;
        int s0 = j * TOKENS;
        for (int t = 0; t < c; t++) {
            int k = ao + Lanes.N * t;
            FloatVector v = hi0.fma(FloatVector.fromArray(Lanes.F, x, x0 + 32 * t + 16),
                            lo0.mul(FloatVector.fromArray(Lanes.F, x, x0 + 32 * t)))
                    .fma(FloatVector.broadcast(Lanes.F, sc[s0 + t]), FloatVector.fromArray(Lanes.F, acc, k));
            hi1.fma(FloatVector.fromArray(Lanes.F, x, x1 + 32 * t + 16), lo1.mul(FloatVector.fromArray(Lanes.F, x, x1 + 32 * t)))
                    .fma(FloatVector.broadcast(Lanes.F, sc[s0 + TOKENS + t]), v).intoArray(acc, k);
        }
    }

    /** {@link #pair} for block {@code j} alone. */
    private static void single(float[] wq, int j, float[] x, int slot, int c, float[] acc, int ao, float[] sc) {
        if (j < 0 || c < 1 || c > TOKENS || ao < 0 || ao + Lanes.N * c > acc.length || 32 * j + 32 > wq.length
                || slot < 0 || 32 * (slot + c) > x.length || TOKENS * j + c > sc.length || ao % Lanes.N != 0
                || slot % TOKENS != 0) {
            throw new IllegalArgumentException("tile block out of range: block " + j + ", slot " + slot + ", tokens " + c
                    + ", acc " + ao + " of " + acc.length + ", wq " + wq.length + ", x " + x.length + ", sc " + sc.length);
        }
        if (acc.length % Lanes.N != 0 || wq.length % 32 != 0 || sc.length % TOKENS != 0 || x.length % 32 != 0) {
            throw new IllegalArgumentException("tile arrays of the wrong shape: acc " + acc.length + " (lanes " + Lanes.N
                    + "), wq " + wq.length + ", sc " + sc.length + " (tokens " + TOKENS + "), x " + x.length);
        }
        FloatVector lo = FloatVector.fromArray(Lanes.F, wq, 32 * j);
        FloatVector hi = FloatVector.fromArray(Lanes.F, wq, 32 * j + 16);
        int x0 = 32 * slot;
        for (int t = 0; t < c; t++) {
            int k = ao + Lanes.N * t;
            hi.fma(FloatVector.fromArray(Lanes.F, x, x0 + 32 * t + 16), lo.mul(FloatVector.fromArray(Lanes.F, x, x0 + 32 * t)))
                    .fma(FloatVector.broadcast(Lanes.F, sc[j * TOKENS + t]), FloatVector.fromArray(Lanes.F, acc, k))
                    .intoArray(acc, k);
        }
    }

    /**
     * {@link DotKernel#scales} of formats whose blocks start with their f16 scale and whose scalar
     * part is {@code Σ dw·da·sum} (Q4_0): one lane per token of the group.
     */
    static void scales(MemorySegment w, long row, int blockBytes, int b0, int b1, Activations a, int slot0,
                       float[] sc, float[] off, int oo) {
        FloatVector o = FloatVector.fromArray(GROUP, off, oo);
        for (int b = b0; b < b1; b++) {
            int slot = slot0 + b * TOKENS;
            FloatVector s = FloatVector.broadcast(GROUP, Lanes.f16(w, row + (long) blockBytes * b))
                    .mul(FloatVector.fromArray(GROUP, a.dt, slot));
            s.intoArray(sc, (b - b0) * TOKENS);
            o = o.add(s.mul(FloatVector.fromArray(GROUP, a.st, slot)));
        }
        o.intoArray(off, oo);
    }

    /** {@link #scales} without a scalar part (Q8_0). */
    static void scales(MemorySegment w, long row, int blockBytes, int b0, int b1, Activations a, int slot0,
                       float[] sc) {
        for (int b = b0; b < b1; b++) {
            FloatVector.broadcast(GROUP, Lanes.f16(w, row + (long) blockBytes * b))
                    .mul(FloatVector.fromArray(GROUP, a.dt, slot0 + b * TOKENS)).intoArray(sc, (b - b0) * TOKENS);
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
