package io.flotilla.model;

import io.flotilla.kernel.Compute;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal multi-head attention with grouped key/value heads over a {@link KvLayer}, computed as
 * llama.cpp computes it without flash attention: the query is rounded to half precision for the
 * product with the half-precision keys, softmax is taken in float over the scaled scores, and the
 * weights are rounded to half precision for the product with the half-precision values.
 *
 * <p>Each token attends over its own sequence's positions {@code [0, position]}, read through the
 * {@link TokenLayout} (a block table for a paged cache). The work is split over (token, KV head)
 * items: every key and value row is widened from half precision once per item, into a scratch row,
 * and serves all query heads of the group. Dot products use 8-lane vectors, summed in a fixed
 * order (so results never depend on JIT state); nothing is allocated per call.
 */
public final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorShuffle<Float> FOLD4 = VectorShuffle.fromOp(F, i -> (i + 4) % 8);
    private static final VectorShuffle<Float> FOLD2 = VectorShuffle.fromOp(F, i -> (i + 2) % 8);
    private static final VectorShuffle<Float> FOLD1 = VectorShuffle.fromOp(F, i -> (i + 1) % 8);
    /** Vector lanes pay off where the CPU has 256-bit registers. */
    static final boolean VECTOR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    private final ModelConfig c;
    private final Compute compute;
    private final boolean vector;
    /** Whether the vector path takes up to 4 heads of a group per key and value row (groups of 2 or more heads). */
    private final boolean heads4;

    public Attention(ModelConfig c, Compute compute) {
        this(c, compute, VECTOR);
    }

    /** {@code vector = false}: the scalar twin (for tests). */
    Attention(ModelConfig c, Compute compute, boolean vector) {
        this(c, compute, vector, true);
    }

    /** {@code heads = false}: the vector path one head at a time, which the 4-head path equals bit for bit (tests). */
    Attention(ModelConfig c, Compute compute, boolean vector, boolean heads) {
        this.c = c;
        this.compute = compute;
        this.vector = vector && c.headDimK() % F.length() == 0 && c.headDimV() % F.length() == 0;
        this.heads4 = this.vector && heads && c.groupSize() > 1;
    }

    /** Per-state working memory: for each compute thread, a score row per group head and widened K/V rows. */
    static final class Work implements Compute.RangeBody {
        final float[][] scores; // [parts][groupSize × context]
        final float[][] keyRow; // [parts][headDimK]
        final float[][] valueRow; // [parts][headDimV]
        final int[][] slots; // [parts][context]: the K/V slot of each position of the sequence being attended
        final int context;
        private Attention attention;
        private Activations a;
        private KvLayer kv;
        private int items;
        private int parts;

        Work(ModelConfig c, int threads, int context) {
            this.context = context;
            scores = new float[threads][c.groupSize() * context];
            keyRow = new float[threads][c.headDimK()];
            valueRow = new float[threads][c.headDimV()];
            slots = new int[threads][context];
        }

        @Override
        public void run(int p0, int p1) {
            for (int p = p0; p < p1; p++) {
                for (int item = items * p / parts; item < items * (p + 1) / parts; item++) {
                    attention.attendGroup(a, kv, item / attention.c.kvHeads(), item % attention.c.kvHeads(), p);
                }
            }
        }
    }

    /** Rotates the query and key heads of the layout's {@code n} tokens, each at its own position. */
    public void rope(Activations a, int n) {
        TokenLayout m = a.layout;
        for (int t = 0; t < n; t++) {
            a.rope.rotate(a.q, t * c.queryDim(), c.heads(), c.headDimK(), m.position(t));
            a.rope.rotate(a.k, t * c.kvDimK(), c.kvHeads(), c.headDimK(), m.position(t));
        }
    }

    /** Stores a.k, a.v of {@code n} tokens at their slots, then {@code a.att = softmax(q·K^T × scale) V} per token. */
    public void forward(Activations a, KvLayer kv, int n) {
        TokenLayout m = a.layout;
        for (int t = 0; t < n; t++) {
            kv.store(m.slot(t), a.k, t * c.kvDimK(), a.v, t * c.kvDimV());
        }
        int qLen = n * c.queryDim();
        for (int i = 0; i < qLen; i++) { // ggml converts q to the keys' type (F16) for the product
            a.q[i] = Float.float16ToFloat(Float.floatToFloat16(a.q[i]));
        }
        Work w = a.attention;
        for (int t = 0; t < n; t++) {
            if (m.position(t) >= w.context) {
                throw new IllegalArgumentException("position " + m.position(t) + " is beyond the " + w.context
                        + " positions this state attends over");
            }
        }
        w.attention = this;
        w.a = a;
        w.kv = kv;
        w.items = n * c.kvHeads();
        w.parts = Math.min(w.scores.length, w.items);
        try {
            compute.parallelFor(w.parts, w);
        } finally {
            w.a = null;
            w.kv = null;
        }
    }

    /** The query heads of KV group g of token t over its sequence's positions [0, position(t)]. */
    private void attendGroup(Activations a, KvLayer kv, int t, int g, int part) {
        TokenLayout m = a.layout;
        Work w = a.attention;
        int len = m.position(t) + 1;
        int group = c.groupSize();
        int dk = c.headDimK();
        int dv = c.headDimV();
        int[] table = m.table(m.sequence(t));
        int bs = m.blockSize();
        float[] scores = w.scores[part];
        float[] kRow = w.keyRow[part];
        float[] vRow = w.valueRow[part];
        int q0 = t * c.queryDim() + g * group * dk;
        int out0 = (t * c.heads() + g * group) * dv;
        if (heads4) {
            int[] slots = w.slots[part];
            for (int j = 0; j < len; j++) {
                slots[j] = table[j / bs] * bs + j % bs;
            }
            vectorScores(a.q, q0, kv, g, slots, len, kRow, scores, w.context);
        } else {
            for (int j = 0; j < len; j++) { // scores[h][j] = (q_h · k_j) × scale
                int slot = table[j / bs] * bs + j % bs;
                widen(kv.keys(), slot * kv.kvDimK() + g * dk, kRow, dk);
                for (int h = 0; h < group; h++) {
                    scores[h * w.context + j] = dot(a.q, q0 + h * dk, kRow, dk) * c.attentionScale();
                }
            }
        }
        for (int h = 0; h < group; h++) { // softmax in float, then weights rounded to F16 like the values
            int o = h * w.context;
            VectorOps.softmax(scores, o, len);
            for (int j = 0; j < len; j++) {
                scores[o + j] = Float.float16ToFloat(Float.floatToFloat16(scores[o + j]));
            }
        }
        Arrays.fill(a.att, out0, out0 + group * dv, 0f);
        if (heads4) {
            vectorValues(kv, g, w.slots[part], len, scores, w.context, a.att, out0);
            return;
        }
        for (int j = 0; j < len; j++) { // att_h = Σ_j p_hj v_j
            int slot = table[j / bs] * bs + j % bs;
            widen(kv.values(), slot * kv.kvDimV() + g * dv, vRow, dv);
            for (int h = 0; h < group; h++) {
                axpy(scores[h * w.context + j], vRow, a.att, out0 + h * dv, dv);
            }
        }
    }

    /**
     * The vector path of the scores, the same arithmetic as {@link #dot} (each head's 8-lane products
     * summed chunk by chunk, then folded in the same fixed order): each widened key row serves up to 4
     * heads at once, so the 4 accumulation chains overlap instead of waiting on each other.
     */
    private void vectorScores(float[] q, int q0, KvLayer kv, int g, int[] slots, int len, float[] kRow, float[] scores,
                              int context) {
        int group = c.groupSize();
        int dk = c.headDimK();
        float scale = c.attentionScale();
        for (int j = 0; j < len; j++) {
            widen(kv.keys(), slots[j] * kv.kvDimK() + g * dk, kRow, dk);
            for (int h0 = 0; h0 < group; h0 += 4) {
                int last = Math.min(group, h0 + 4) - 1; // heads past the group repeat the last one, unused
                int o0 = q0 + h0 * dk;
                int o1 = q0 + Math.min(h0 + 1, last) * dk;
                int o2 = q0 + Math.min(h0 + 2, last) * dk;
                int o3 = q0 + Math.min(h0 + 3, last) * dk;
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int i = 0; i < dk; i += F.length()) {
                    FloatVector k = FloatVector.fromArray(F, kRow, i);
                    a0 = FloatVector.fromArray(F, q, o0 + i).fma(k, a0);
                    a1 = FloatVector.fromArray(F, q, o1 + i).fma(k, a1);
                    a2 = FloatVector.fromArray(F, q, o2 + i).fma(k, a2);
                    a3 = FloatVector.fromArray(F, q, o3 + i).fma(k, a3);
                }
                scores[h0 * context + j] = fold(a0) * scale;
                if (h0 + 1 <= last) {
                    scores[(h0 + 1) * context + j] = fold(a1) * scale;
                }
                if (h0 + 2 <= last) {
                    scores[(h0 + 2) * context + j] = fold(a2) * scale;
                }
                if (h0 + 3 <= last) {
                    scores[(h0 + 3) * context + j] = fold(a3) * scale;
                }
            }
        }
    }

    /**
     * The vector path of {@code att_h += Σ_j p_hj v_j}, the same arithmetic as {@link #axpy} (a product
     * then a sum, positions in order): 8 columns at a time for up to 4 heads, the 4 sums kept in
     * registers over all positions instead of loaded and stored per position and head.
     */
    private void vectorValues(KvLayer kv, int g, int[] slots, int len, float[] scores, int context, float[] att,
                              int out0) {
        int group = c.groupSize();
        int dv = c.headDimV();
        short[] values = kv.values();
        int base = g * dv;
        int stride = kv.kvDimV();
        for (int h0 = 0; h0 < group; h0 += 4) {
            int last = Math.min(group, h0 + 4) - 1;
            int p0 = h0 * context;
            int p1 = Math.min(h0 + 1, last) * context;
            int p2 = Math.min(h0 + 2, last) * context;
            int p3 = Math.min(h0 + 3, last) * context;
            for (int i = 0; i < dv; i += F.length()) {
                FloatVector s0 = FloatVector.fromArray(F, att, out0 + h0 * dv + i);
                FloatVector s1 = FloatVector.fromArray(F, att, out0 + Math.min(h0 + 1, last) * dv + i);
                FloatVector s2 = FloatVector.fromArray(F, att, out0 + Math.min(h0 + 2, last) * dv + i);
                FloatVector s3 = FloatVector.fromArray(F, att, out0 + Math.min(h0 + 3, last) * dv + i);
                for (int j = 0; j < len; j++) {
                    FloatVector v = halfs(values, slots[j] * stride + base + i);
                    s0 = v.mul(scores[p0 + j]).add(s0);
                    s1 = v.mul(scores[p1 + j]).add(s1);
                    s2 = v.mul(scores[p2 + j]).add(s2);
                    s3 = v.mul(scores[p3 + j]).add(s3);
                }
                s0.intoArray(att, out0 + h0 * dv + i);
                if (h0 + 1 <= last) {
                    s1.intoArray(att, out0 + (h0 + 1) * dv + i);
                }
                if (h0 + 2 <= last) {
                    s2.intoArray(att, out0 + (h0 + 2) * dv + i);
                }
                if (h0 + 3 <= last) {
                    s3.intoArray(att, out0 + (h0 + 3) * dv + i);
                }
            }
        }
    }

    /** The lanes of {@code acc} summed in a fixed order (reduceLanes(ADD) leaves it unspecified). */
    private static float fold(FloatVector acc) {
        acc = acc.add(acc.rearrange(FOLD4));
        acc = acc.add(acc.rearrange(FOLD2));
        acc = acc.add(acc.rearrange(FOLD1));
        return acc.lane(0);
    }

    /** {@code dst[0, len) = src[off, off + len)} widened from half precision. */
    private void widen(short[] src, int off, float[] dst, int len) {
        if (!vector) {
            for (int i = 0; i < len; i++) {
                dst[i] = Float.float16ToFloat(src[off + i]);
            }
            return;
        }
        for (int i = 0; i < len; i += F.length()) {
            halfs(src, off + i).intoArray(dst, i);
        }
    }

    /**
     * Eight halves widened: exponent and mantissa shifted into place and scaled by 2^112 (which
     * also gets subnormals right), the sign copied. Infinities and NaNs do not survive; a K/V
     * value beyond the half range is already a broken model.
     */
    private static FloatVector halfs(short[] src, int off) {
        IntVector h = (IntVector) ShortVector.fromArray(S, src, off).convertShape(VectorOperators.S2I, I, 0);
        FloatVector mag = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return mag.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** {@code x[xo, xo + len) · y[0, len)}. */
    private float dot(float[] x, int xo, float[] y, int len) {
        if (!vector) {
            float sum = 0f;
            for (int i = 0; i < len; i++) {
                sum += x[xo + i] * y[i];
            }
            return sum;
        }
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < len; i += F.length()) {
            acc = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, i), acc);
        }
        return fold(acc);
    }

    /** {@code out[oo + i] += p × v[i]} for i in [0, len), a product then a sum as ggml's F16 dot does it. */
    private void axpy(float p, float[] v, float[] out, int oo, int len) {
        if (!vector) {
            for (int i = 0; i < len; i++) {
                out[oo + i] += p * v[i];
            }
            return;
        }
        for (int i = 0; i < len; i += F.length()) {
            FloatVector.fromArray(F, v, i).mul(p).add(FloatVector.fromArray(F, out, oo + i)).intoArray(out, oo + i);
        }
    }
}
