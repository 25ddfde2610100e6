package io.flotilla.model;

import io.flotilla.kernel.Compute;

/**
 * Causal multi-head attention with grouped key/value heads over a {@link KvLayer}, computed as
 * llama.cpp computes it without flash attention: the query is rounded to half precision for the
 * product with the half-precision keys, softmax is taken in float over the scaled scores, and the
 * weights are rounded to half precision for the product with the half-precision values.
 */
public final class Attention {
    private final ModelConfig c;
    private final Compute compute;

    public Attention(ModelConfig c, Compute compute) {
        this.c = c;
        this.compute = compute;
    }

    /** Rotates the query and key heads of {@code n} tokens at positions {@code [position, position + n)}. */
    public void rope(Activations a, int n, int position) {
        for (int t = 0; t < n; t++) {
            a.rope.rotate(a.q, t * c.queryDim(), c.heads(), c.headDimK(), position + t);
            a.rope.rotate(a.k, t * c.kvDimK(), c.kvHeads(), c.headDimK(), position + t);
        }
    }

    /** Appends a.k, a.v of {@code n} tokens to the cache, then {@code a.att = softmax(q·K^T × scale) V}. */
    public void forward(Activations a, KvLayer kv, int n, int position) {
        for (int t = 0; t < n; t++) {
            kv.store(position + t, a.k, t * c.kvDimK(), a.v, t * c.kvDimV());
        }
        int qLen = n * c.queryDim();
        for (int i = 0; i < qLen; i++) { // ggml converts q to the keys' type (F16) for the product
            a.q[i] = Float.float16ToFloat(Float.floatToFloat16(a.q[i]));
        }
        int items = n * c.heads();
        int parts = Math.min(compute.threads(), items);
        compute.parallelFor(parts, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                float[] scores = a.scores[p];
                for (int item = items * p / parts; item < items * (p + 1) / parts; item++) {
                    attendOne(a, kv, item / c.heads(), item % c.heads(), position, scores);
                }
            }
        });
    }

    /** One query head of token t (at position {@code position + t}) over cache positions [0, position + t]. */
    private void attendOne(Activations a, KvLayer kv, int t, int h, int position, float[] scores) {
        int len = position + t + 1;
        int dk = c.headDimK();
        int dv = c.headDimV();
        int g = h / c.groupSize();
        int qo = t * c.queryDim() + h * dk;
        short[] keys = kv.keys();
        for (int j = 0; j < len; j++) { // scores = q · k_j
            int ko = j * kv.kvDimK() + g * dk;
            float dot = 0f;
            for (int i = 0; i < dk; i++) {
                dot += a.q[qo + i] * Float.float16ToFloat(keys[ko + i]);
            }
            scores[j] = dot * c.attentionScale();
        }
        VectorOps.softmax(scores, 0, len);
        int out = (t * c.heads() + h) * dv;
        java.util.Arrays.fill(a.att, out, out + dv, 0f);
        short[] values = kv.values();
        for (int j = 0; j < len; j++) { // att = Σ_j p_j v_j, with p_j rounded to F16 like the values
            float p = Float.float16ToFloat(Float.floatToFloat16(scores[j]));
            int vo = j * kv.kvDimV() + g * dv;
            for (int i = 0; i < dv; i++) {
                a.att[out + i] += p * Float.float16ToFloat(values[vo + i]);
            }
        }
    }
}
