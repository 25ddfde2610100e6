package io.flotilla.train.model;

import java.util.Arrays;

/**
 * Mixture-of-experts SwiGLU feed-forward, Mixtral-style: a router scores the experts, each token
 * goes to its top-k experts, whose outputs are mixed with the router's softmax renormalised over
 * the chosen k. Adds the Switch-Transformer load-balancing loss
 * {@code aux = w * E * sum_e f_e * P_e} ({@code f_e}: share of routed slots that went to expert e,
 * {@code P_e}: mean router probability of e). Expert weights are {@code [expert][out][in]}.
 */
public final class MoeFeedForward implements FeedForward {

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final Parallel par;
    private final int k;
    private final int experts;
    private final float[][] probs;      // [layer][rows * E] router softmax
    private final int[][] position;     // [layer][rows * k] slot (r, j) -> index in expert order
    private final int[][] rowOf;        // [layer][rows * k] index in expert order -> token row
    private final float[][] weight;     // [layer][rows * k] mixing weight of slot (r, j)
    private final int[][] start;        // [layer][E + 1] first index of each expert in expert order
    private final float[][] gate;       // [layer][rows * k * ffn]
    private final float[][] up;
    private final float[][] hidden;
    private final float[][] expertOut;  // [layer][rows * k * dim]
    private final float[] gathered;     // scratch [rows * k * dim]
    private final float[] dExpertOut;
    private final float[] dGathered;
    private final float[] dHidden;      // scratch [rows * k * ffn]
    private final float[] dGate;
    private final float[] dUp;
    private final float[] dLogits;      // scratch [rows * E]
    private final float[] dProbs;       // scratch [E]
    private final double[] aux;         // [layer] weighted aux loss of the last forward
    private final int[] fillCount;      // scratch [E]
    private final float[] dWeight;      // scratch [k]

    MoeFeedForward(ModelConfig config, ParameterLayout layout, int maxRows, Parallel par) {
        this.config = config;
        this.par = par;
        this.layout = layout;
        this.k = config.expertsUsed();
        this.experts = config.experts();
        int layers = config.layers();
        int slots = maxRows * k;
        probs = new float[layers][maxRows * experts];
        position = new int[layers][slots];
        rowOf = new int[layers][slots];
        weight = new float[layers][slots];
        start = new int[layers][experts + 1];
        gate = new float[layers][slots * config.ffnHidden()];
        up = new float[layers][slots * config.ffnHidden()];
        hidden = new float[layers][slots * config.ffnHidden()];
        expertOut = new float[layers][slots * config.dim()];
        gathered = new float[slots * config.dim()];
        dExpertOut = new float[slots * config.dim()];
        dGathered = new float[slots * config.dim()];
        dHidden = new float[slots * config.ffnHidden()];
        dGate = new float[slots * config.ffnHidden()];
        dUp = new float[slots * config.ffnHidden()];
        dLogits = new float[maxRows * experts];
        dProbs = new float[experts];
        aux = new double[layers];
        fillCount = new int[experts];
        dWeight = new float[k];
    }

    @Override
    public void forward(int layer, float[] params, float[] x, float[] out, int rows) {
        ParameterLayout.Block p = layout.block(layer);
        int d = config.dim();
        int f = config.ffnHidden();
        float[] pr = probs[layer];
        // 1. router logits [rows][E] and their softmax
        Matmul.forward(par, pr, 0, x, 0, params, p.router(), d, experts, rows);
        for (int r = 0; r < rows; r++) {
            softmax(pr, r * experts, experts);
        }
        // 2. top-k per token, mixing weights renormalised over the chosen experts, bucketed by expert
        route(layer, rows);
        aux[layer] = auxLoss(layer, rows);
        // 3. each expert runs SwiGLU on its tokens
        int[] st = start[layer];
        for (int e = 0; e < experts; e++) {
            int s = st[e];
            int c = st[e + 1] - s;
            if (c == 0) {
                continue;
            }
            gather(layer, x, s, c);
            int eg = p.gate() + e * f * d;
            int eu = p.up() + e * f * d;
            int ed = p.down() + e * d * f;
            Matmul.forward(par, gate[layer], s * f, gathered, s * d, params, eg, d, f, c);
            Matmul.forward(par, up[layer], s * f, gathered, s * d, params, eu, d, f, c);
            SwiGlu.forward(hidden[layer], s * f, gate[layer], up[layer], s * f, c * f);
            Matmul.forward(par, expertOut[layer], s * d, hidden[layer], s * f, params, ed, f, d, c);
        }
        // 4. mix: out[r] = sum_j weight[r, j] * expertOut[position(r, j)]
        Arrays.fill(out, 0, rows * d, 0f);
        for (int slot = 0; slot < rows * k; slot++) {
            Matmul.axpy(weight[layer][slot], expertOut[layer], position[layer][slot] * d, out, (slot / k) * d, d);
        }
    }

    private static void softmax(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            a[off + i] = (float) Math.exp(a[off + i] - max);
            sum += a[off + i];
        }
        for (int i = 0; i < n; i++) {
            a[off + i] /= sum;
        }
    }

    private void route(int layer, int rows) {
        float[] pr = probs[layer];
        int[] st = start[layer];
        Arrays.fill(st, 0);
        int[] pos = position[layer];
        for (int r = 0; r < rows; r++) {
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!chosen(pos, r, j, e) && (best < 0 || pr[r * experts + e] > pr[r * experts + best])) {
                        best = e;
                    }
                }
                pos[r * k + j] = best; // expert id for now, replaced by its position below
                sum += pr[r * experts + best];
                st[best + 1]++;
            }
            for (int j = 0; j < k; j++) {
                weight[layer][r * k + j] = pr[r * experts + pos[r * k + j]] / sum;
            }
        }
        for (int e = 0; e < experts; e++) {
            st[e + 1] += st[e];
        }
        int[] fill = fillCount;
        Arrays.fill(fill, 0);
        for (int slot = 0; slot < rows * k; slot++) {
            int e = pos[slot];
            int at = st[e] + fill[e]++;
            pos[slot] = at;
            rowOf[layer][at] = slot / k;
        }
    }

    private boolean chosen(int[] pos, int r, int j, int e) {
        for (int i = 0; i < j; i++) {
            if (pos[r * k + i] == e) {
                return true;
            }
        }
        return false;
    }

    private double auxLoss(int layer, int rows) {
        if (config.auxLossWeight() == 0f) {
            return 0;
        }
        double total = 0;
        for (int e = 0; e < experts; e++) {
            double share = (double) (start[layer][e + 1] - start[layer][e]) / (rows * k);
            double mean = 0;
            for (int r = 0; r < rows; r++) {
                mean += probs[layer][r * experts + e];
            }
            total += share * mean / rows;
        }
        return config.auxLossWeight() * experts * total;
    }

    private void gather(int layer, float[] x, int s, int c) {
        int d = config.dim();
        for (int i = s; i < s + c; i++) {
            System.arraycopy(x, rowOf[layer][i] * d, gathered, i * d, d);
        }
    }

    @Override
    public void backward(int layer, float[] params, float[] grads, float[] x, float[] dOut, float[] dx, int rows) {
        ParameterLayout.Block p = layout.block(layer);
        int d = config.dim();
        int f = config.ffnHidden();
        // 1. through the mix: d expertOut and d weight of every slot; then into the router
        routerBackward(layer, dOut, rows);
        Matmul.backwardInput(par, dx, 0, dLogits, 0, params, p.router(), d, experts, rows);
        Matmul.backwardWeight(par, grads, p.router(), dLogits, 0, x, 0, d, experts, rows);
        // 2. each expert's SwiGLU backward, scattered back onto its tokens
        int[] st = start[layer];
        for (int e = 0; e < experts; e++) {
            int s = st[e];
            int c = st[e + 1] - s;
            if (c == 0) {
                continue;
            }
            gather(layer, x, s, c);
            int eg = p.gate() + e * f * d;
            int eu = p.up() + e * f * d;
            int ed = p.down() + e * d * f;
            Arrays.fill(dHidden, s * f, (s + c) * f, 0f);
            Matmul.backwardInput(par, dHidden, s * f, dExpertOut, s * d, params, ed, f, d, c);
            Matmul.backwardWeight(par, grads, ed, dExpertOut, s * d, hidden[layer], s * f, f, d, c);
            SwiGlu.backward(dGate, dUp, dHidden, gate[layer], up[layer], s * f, s * f, c * f);
            Arrays.fill(dGathered, s * d, (s + c) * d, 0f);
            Matmul.backwardInput(par, dGathered, s * d, dGate, s * f, params, eg, d, f, c);
            Matmul.backwardInput(par, dGathered, s * d, dUp, s * f, params, eu, d, f, c);
            Matmul.backwardWeight(par, grads, eg, dGate, s * f, gathered, s * d, d, f, c);
            Matmul.backwardWeight(par, grads, eu, dUp, s * f, gathered, s * d, d, f, c);
            for (int i = s; i < s + c; i++) {
                Matmul.axpy(1f, dGathered, i * d, dx, rowOf[layer][i] * d, d);
            }
        }
    }

    /** Fills {@code dExpertOut} and {@code dLogits} (router softmax backward, with the aux loss term). */
    private void routerBackward(int layer, float[] dOut, int rows) {
        int d = config.dim();
        float[] pr = probs[layer];
        int[] pos = position[layer];
        int[] st = start[layer];
        float auxScale = config.auxLossWeight() * experts / (float) rows;
        for (int r = 0; r < rows; r++) {
            for (int e = 0; e < experts; e++) {
                float share = (float) (st[e + 1] - st[e]) / (rows * k);
                dProbs[e] = auxScale * share;
            }
            // weight_j = p_j / S over the chosen: dp_j += (dw_j - sum_l w_l dw_l) / S
            float sum = 0f;
            float wdw = 0f;
            for (int j = 0; j < k; j++) {
                int slot = r * k + j;
                int at = pos[slot];
                float w = weight[layer][slot];
                float dw = Matmul.dot(dOut, r * d, expertOut[layer], at * d, d);
                wdw += w * dw;
                sum += pr[r * experts + expertAt(layer, at)];
                Arrays.fill(dExpertOut, at * d, at * d + d, 0f);
                Matmul.axpy(w, dOut, r * d, dExpertOut, at * d, d);
                dWeight[j] = dw;
            }
            for (int j = 0; j < k; j++) {
                int e = expertAt(layer, pos[r * k + j]);
                dProbs[e] += (dWeight[j] - wdw) / sum;
            }
            float dot = 0f;
            for (int e = 0; e < experts; e++) {
                dot += pr[r * experts + e] * dProbs[e];
            }
            for (int e = 0; e < experts; e++) {
                dLogits[r * experts + e] = pr[r * experts + e] * (dProbs[e] - dot);
            }
        }
    }

    private int expertAt(int layer, int at) {
        int[] st = start[layer];
        int e = 0;
        while (st[e + 1] <= at) {
            e++;
        }
        return e;
    }

    @Override
    public double auxLoss() {
        double total = 0;
        for (double a : aux) {
            total += a;
        }
        return total;
    }
}
