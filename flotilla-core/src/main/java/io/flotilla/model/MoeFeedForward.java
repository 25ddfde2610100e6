package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.kernel.Compute;
import io.flotilla.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * A Mixture-of-Experts FFN as llama.cpp's {@code build_moe_ffn} computes it with softmax gating:
 * router logits {@code ffn_gate_inp · x}, softmax over all experts, the top k, optionally
 * renormalized to sum to 1, then {@code Σ w_i expert_i(x)}. An optional shared expert (qwen2moe)
 * is added, scaled by {@code sigmoid(ffn_gate_inp_shexp · x)}. Tokens are grouped per expert so
 * that each expert runs one matrix-matrix product over all tokens routed to it.
 */
public record MoeFeedForward(WeightMatrix router, SwiGluFeedForward[] experts, int used, boolean normalize,
                             SwiGluFeedForward shared, WeightMatrix sharedGate, Compute compute)
        implements FeedForward {

    /** Tensors {@code prefix.ffn_gate_inp}, {@code ffn_{gate,up,down}_exps} ([experts × rows × cols]). */
    public static MoeFeedForward load(GgufFile f, String prefix, ModelConfig c, Compute compute,
                                      SwiGluFeedForward shared, WeightMatrix sharedGate) {
        WeightMatrix router = VectorOps.matrix(f, prefix + "ffn_gate_inp.weight", c.experts(), c.dim());
        SwiGluFeedForward[] experts = new SwiGluFeedForward[c.experts()];
        for (int e = 0; e < experts.length; e++) {
            experts[e] = new SwiGluFeedForward(
                    expert(f, prefix + "ffn_gate_exps.weight", e, c.expertFfnDim(), c.dim(), c.experts()),
                    expert(f, prefix + "ffn_up_exps.weight", e, c.expertFfnDim(), c.dim(), c.experts()),
                    expert(f, prefix + "ffn_down_exps.weight", e, c.dim(), c.expertFfnDim(), c.experts()), compute);
        }
        return new MoeFeedForward(router, experts, c.expertsUsed(), c.normalizeExpertWeights(), shared, sharedGate,
                compute);
    }

    private static WeightMatrix expert(GgufFile f, String name, int e, int rows, int cols, int count) {
        GgufTensorInfo t = f.requireTensor(name);
        if (t.dims() != 3 || t.ne(0) != cols || t.ne(1) != rows || t.ne(2) != count) {
            throw new IllegalArgumentException(f.path() + ": tensor '" + name + "' has shape " + Arrays.toString(t.ne())
                    + ", expected [" + cols + ", " + rows + ", " + count + "] (cols, rows, experts)");
        }
        return PackedWeights.of(WeightMatrix.expert(f, name, e));
    }

    @Override
    public void forward(Activations a, int n) {
        int dim = router.cols();
        int experts = router.rows();
        // router probabilities: softmax over all experts                 [n × experts]
        compute.matMul(router, a.xb, n, a.router);
        for (int t = 0; t < n; t++) {
            VectorOps.softmax(a.router, t * experts, experts);
            route(a, t, experts);
        }
        // each expert runs once over the tokens routed to it; xb2 += w · expert(xb)
        Arrays.fill(a.xb2, 0, n * dim, 0f);
        for (int e = 0; e < experts; e++) {
            int m = gather(a, n, e, dim);
            if (m == 0) {
                continue;
            }
            experts()[e].apply(a.gathered, m, a.expertOut, a);
            for (int i = 0; i < m; i++) {
                int t = a.routed[i];
                float w = a.routedWeight[i];
                for (int d = 0; d < dim; d++) {
                    a.xb2[t * dim + d] += w * a.expertOut[i * dim + d];
                }
            }
        }
        if (shared != null) { // shared expert, gated per token by sigmoid(gate · x)
            shared.apply(a.xb, n, a.expertOut, a);
            compute.matMul(sharedGate, a.xb, n, a.gate);
            for (int t = 0; t < n; t++) {
                float g = VectorOps.sigmoid(a.gate[t]);
                for (int d = 0; d < dim; d++) {
                    a.xb2[t * dim + d] += g * a.expertOut[t * dim + d];
                }
            }
        }
    }

    /** Picks token t's top-k experts (highest probability first) and their weights. */
    private void route(Activations a, int t, int experts) {
        int base = t * used;
        double sum = 0;
        for (int s = 0; s < used; s++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if ((best < 0 || a.router[t * experts + e] > a.router[t * experts + best]) && !taken(a, base, s, e)) {
                    best = e;
                }
            }
            a.selected[base + s] = best;
            a.weights[base + s] = a.router[t * experts + best];
            sum += a.weights[base + s];
        }
        if (normalize) {
            for (int s = 0; s < used; s++) {
                a.weights[base + s] = (float) (a.weights[base + s] / (float) sum);
            }
        }
    }

    private static boolean taken(Activations a, int base, int count, int e) {
        for (int s = 0; s < count; s++) {
            if (a.selected[base + s] == e) {
                return true;
            }
        }
        return false;
    }

    /** Copies the inputs of the tokens routed to expert e into a.gathered; returns how many. */
    private int gather(Activations a, int n, int e, int dim) {
        int m = 0;
        for (int t = 0; t < n; t++) {
            for (int s = 0; s < used; s++) {
                if (a.selected[t * used + s] == e) {
                    a.routed[m] = t;
                    a.routedWeight[m] = a.weights[t * used + s];
                    System.arraycopy(a.xb, t * dim, a.gathered, m * dim, dim);
                    m++;
                }
            }
        }
        return m;
    }
}
