package io.flotilla.train.model;

/**
 * Causal scaled dot-product attention with grouped-query heads: query head {@code h} reads
 * key/value head {@code h / (heads / kvHeads)}. Rows are {@code b * seq + t}.
 */
public final class Attention {

    private Attention() {}

    /**
     * {@code out[rows][heads*hd]} from {@code q[rows][heads*hd]}, {@code k, v[rows][kvHeads*hd]};
     * saves the probabilities in {@code att[batch][heads][seq][seq]}.
     */
    public static void forward(float[] out, float[] att, float[] q, float[] k, float[] v,
                               int batch, int seq, int heads, int kvHeads, int hd) {
        int qw = heads * hd;
        int kw = kvHeads * hd;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                for (int t = 0; t < seq; t++) {
                    int qo = (b * seq + t) * qw + h * hd;
                    int ao = ((b * heads + h) * seq + t) * seq;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        float s = Matmul.dot(q, qo, k, (b * seq + u) * kw + kvh * hd, hd) * scale;
                        att[ao + u] = s;
                        max = Math.max(max, s);
                    }
                    float sum = 0f;
                    for (int u = 0; u <= t; u++) {
                        float e = (float) Math.exp(att[ao + u] - max);
                        att[ao + u] = e;
                        sum += e;
                    }
                    float norm = 1f / sum;
                    java.util.Arrays.fill(out, qo, qo + hd, 0f);
                    for (int u = 0; u <= t; u++) {
                        float p = att[ao + u] * norm;
                        att[ao + u] = p;
                        Matmul.axpy(p, v, (b * seq + u) * kw + kvh * hd, out, qo, hd);
                    }
                    for (int u = t + 1; u < seq; u++) {
                        att[ao + u] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Accumulates {@code dq, dk, dv} from {@code dOut}; {@code scratch} holds at least {@code seq} floats.
     */
    public static void backward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] att,
                                float[] q, float[] k, float[] v, float[] scratch,
                                int batch, int seq, int heads, int kvHeads, int hd) {
        int qw = heads * hd;
        int kw = kvHeads * hd;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                for (int t = 0; t < seq; t++) {
                    int qo = (b * seq + t) * qw + h * hd;
                    int ao = ((b * heads + h) * seq + t) * seq;
                    // dp[u] = dOut[t] . v[u]; dv[u] += p[u] dOut[t]
                    float pdp = 0f;
                    for (int u = 0; u <= t; u++) {
                        int vo = (b * seq + u) * kw + kvh * hd;
                        float dp = Matmul.dot(dOut, qo, v, vo, hd);
                        scratch[u] = dp;
                        pdp += att[ao + u] * dp;
                        Matmul.axpy(att[ao + u], dOut, qo, dv, vo, hd);
                    }
                    // softmax backward: ds[u] = p[u] (dp[u] - sum p dp); then through the scaled dot product
                    for (int u = 0; u <= t; u++) {
                        float ds = att[ao + u] * (scratch[u] - pdp) * scale;
                        int ko = (b * seq + u) * kw + kvh * hd;
                        Matmul.axpy(ds, k, ko, dq, qo, hd);
                        Matmul.axpy(ds, q, qo, dk, ko, hd);
                    }
                }
            }
        }
    }
}
