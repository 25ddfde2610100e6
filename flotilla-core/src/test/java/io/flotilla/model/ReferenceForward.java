package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.tensor.WeightMatrix;

/**
 * A deliberately plain reference for the forward pass of every supported architecture, written
 * from the architectures' definitions rather than from the engine code: double precision, no KV
 * cache (each position attends by recomputing over the whole prefix), no batching, no threads.
 * Logits of every position for one token sequence.
 */
final class ReferenceForward {
    private final GgufFile f;
    private final String arch;
    private final int dim;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final double eps;
    private final double base;
    private final int experts;
    private final int used;

    ReferenceForward(GgufFile f) {
        this.f = f;
        GgufMetadata m = f.metadata();
        arch = m.getString("general.architecture");
        dim = m.getInt(arch + ".embedding_length");
        layers = m.getInt(arch + ".block_count");
        heads = m.getInt(arch + ".attention.head_count");
        kvHeads = m.getInt(arch + ".attention.head_count_kv");
        headDim = m.getInt(arch + ".attention.key_length", dim / heads);
        eps = m.getFloat(arch + ".attention.layer_norm_rms_epsilon");
        base = m.getFloat(arch + ".rope.freq_base", 10000f);
        experts = m.getInt(arch + ".expert_count", 0);
        used = m.getInt(arch + ".expert_used_count", 0);
    }

    /** Logits [T][vocab] of every position of {@code tokens}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        double[][] x = new double[n][];
        double[][] emb = matrix("token_embd.weight");
        for (int t = 0; t < n; t++) {
            x[t] = emb[tokens[t]].clone();
        }
        for (int l = 0; l < layers; l++) {
            block(x, "blk." + l + ".");
        }
        double[][] out = f.hasTensor("output.weight") ? matrix("output.weight") : emb;
        double[] norm = vector("output_norm.weight");
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = mul(out, rms(x[t], norm));
        }
        return logits;
    }

    private void block(double[][] x, String p) {
        int n = x.length;
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] h = rms(x[t], vector(p + "attn_norm.weight"));
            q[t] = plus(mul(matrix(p + "attn_q.weight"), h), optional(p + "attn_q.bias"));
            k[t] = plus(mul(matrix(p + "attn_k.weight"), h), optional(p + "attn_k.bias"));
            v[t] = plus(mul(matrix(p + "attn_v.weight"), h), optional(p + "attn_v.bias"));
            if (f.hasTensor(p + "attn_q_norm.weight")) {
                normHeads(q[t], vector(p + "attn_q_norm.weight"));
                normHeads(k[t], vector(p + "attn_k_norm.weight"));
            }
            rotate(q[t], t);
            rotate(k[t], t);
        }
        for (int t = 0; t < n; t++) {
            double[] att = new double[heads * headDim];
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                double[] w = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += q[t][h * headDim + i] * k[j][g * headDim + i];
                    }
                    w[j] = dot / Math.sqrt(headDim);
                    max = Math.max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int j = 0; j <= t; j++) {
                    for (int i = 0; i < headDim; i++) {
                        att[h * headDim + i] += w[j] / sum * v[j][g * headDim + i];
                    }
                }
            }
            x[t] = plus(x[t], mul(matrix(p + "attn_output.weight"), att));
        }
        for (int t = 0; t < n; t++) {
            double[] h = rms(x[t], vector(p + "ffn_norm.weight"));
            x[t] = plus(x[t], experts == 0 ? ffn(h, p, "") : moe(h, p));
        }
    }

    private double[] ffn(double[] h, String p, String suffix) {
        double[] g = mul(matrix(p + "ffn_gate" + suffix + ".weight"), h);
        double[] u = mul(matrix(p + "ffn_up" + suffix + ".weight"), h);
        for (int i = 0; i < g.length; i++) {
            g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        return mul(matrix(p + "ffn_down" + suffix + ".weight"), g);
    }

    /** Softmax over all experts, top-k, renormalized except in qwen2moe; qwen2moe adds a gated shared expert. */
    private double[] moe(double[] h, String p) {
        double[] probs = softmax(mul(matrix(p + "ffn_gate_inp.weight"), h));
        boolean[] chosen = new boolean[experts];
        int[] top = new int[used];
        double sum = 0;
        for (int s = 0; s < used; s++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (!chosen[e] && (best < 0 || probs[e] > probs[best])) {
                    best = e;
                }
            }
            chosen[best] = true;
            top[s] = best;
            sum += probs[best];
        }
        double[] out = new double[dim];
        for (int e : top) {
            double w = arch.equals("qwen2moe") ? probs[e] : probs[e] / sum;
            double[] y = expert(h, p, e);
            for (int i = 0; i < dim; i++) {
                out[i] += w * y[i];
            }
        }
        if (f.hasTensor(p + "ffn_gate_inp_shexp.weight")) {
            double gate = 1 / (1 + Math.exp(-dot(vector(p + "ffn_gate_inp_shexp.weight"), h)));
            double[] y = ffn(h, p, "_shexp");
            for (int i = 0; i < dim; i++) {
                out[i] += gate * y[i];
            }
        }
        return out;
    }

    private double[] expert(double[] h, String p, int e) {
        double[] g = mul(dense(WeightMatrix.expert(f, p + "ffn_gate_exps.weight", e)), h);
        double[] u = mul(dense(WeightMatrix.expert(f, p + "ffn_up_exps.weight", e)), h);
        for (int i = 0; i < g.length; i++) {
            g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        return mul(dense(WeightMatrix.expert(f, p + "ffn_down_exps.weight", e)), g);
    }

    /** Rotary embedding at position pos: llama rotates adjacent pairs, the Qwen family rotates halves. */
    private void rotate(double[] x, int pos) {
        boolean halves = !arch.equals("llama");
        for (int h = 0; h < x.length / headDim; h++) {
            for (int i = 0; i < headDim / 2; i++) {
                double angle = pos * Math.pow(base, -2.0 * i / headDim);
                int a = h * headDim + (halves ? i : 2 * i);
                int b = halves ? a + headDim / 2 : a + 1;
                double x0 = x[a];
                double x1 = x[b];
                x[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                x[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
            }
        }
    }

    private void normHeads(double[] x, double[] w) {
        for (int h = 0; h < x.length / headDim; h++) {
            double[] head = java.util.Arrays.copyOfRange(x, h * headDim, (h + 1) * headDim);
            System.arraycopy(rms(head, w), 0, x, h * headDim, headDim);
        }
    }

    private double[] rms(double[] x, double[] w) {
        double ss = 0;
        for (double d : x) {
            ss += d * d;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * w[i];
        }
        return y;
    }

    private static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double d : x) {
            max = Math.max(max, d);
        }
        double sum = 0;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.exp(x[i] - max);
            sum += y[i];
        }
        for (int i = 0; i < x.length; i++) {
            y[i] /= sum;
        }
        return y;
    }

    private static double[] mul(double[][] w, double[] x) {
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            y[r] = dot(w[r], x);
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] plus(double[] a, double[] b) {
        if (b == null) {
            return a;
        }
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    private double[] optional(String name) {
        return f.hasTensor(name) ? vector(name) : null;
    }

    private double[] vector(String name) {
        return matrix(name)[0];
    }

    private double[][] matrix(String name) {
        return dense(WeightMatrix.of(f, name));
    }

    private static double[][] dense(WeightMatrix w) {
        double[][] m = new double[w.rows()][w.cols()];
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int c = 0; c < w.cols(); c++) {
                m[r][c] = row[c];
            }
        }
        return m;
    }
}
