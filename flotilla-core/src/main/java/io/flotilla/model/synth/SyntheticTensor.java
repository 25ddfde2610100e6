package io.flotilla.model.synth;

import io.flotilla.gguf.GgmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * One tensor of a synthetic model: name and shape as llama.cpp's loader expects them
 * ({@code ne[0]} is the row length), its type, and the distribution its values are drawn from:
 * {@code mean + sigma * N(0, 1)} (approximately normal), times a random sign if {@code randomSign}.
 */
record SyntheticTensor(String name, long[] ne, GgmlType type, float mean, float sigma, boolean randomSign) {

    SyntheticTensor(String name, long[] ne, GgmlType type, float mean, float sigma) {
        this(name, ne, type, mean, sigma, false);
    }

    long elements() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    long byteSize() {
        return type.byteSize(elements());
    }

    /**
     * Every tensor of {@code spec}, in the order llama.cpp's converter writes them. Scales keep the
     * activations near unit size through the layers: input projections {@code 1/sqrt(fan_in)}, output
     * projections also divided by {@code sqrt(2 * layers)}, norms near 1.
     */
    static List<SyntheticTensor> plan(SyntheticSpec s) {
        List<SyntheticTensor> out = new ArrayList<>();
        Planner p = new Planner(s, out);
        // logits with a standard deviation of 1.2 * sqrt(2 ln vocab): the argmax stands about one
        // nat above the runner-up whatever the vocabulary size
        float logitScale = (float) (1.2 * Math.sqrt(2 * Math.log(s.vocab())) / Math.sqrt(s.dim()));
        p.matrix("token_embd.weight", s.dim(), s.vocab(), logitScale);
        for (int i = 0; i < s.layers(); i++) {
            block(p, s, "blk." + i + ".");
        }
        if (s.hasOutput()) {
            p.norm("output_norm.weight", s.dim());
            p.matrix("output.weight", s.dim(), s.vocab(), logitScale);
        } else {
            // tied: the current token's embedding is part of the final hidden state, so E.h would favour
            // it and greedy decoding would repeat it; gains of random sign make that self-term average out
            p.out().add(new SyntheticTensor("output_norm.weight", new long[] {s.dim()}, GgmlType.F32, 1f, 0.05f, true));
        }
        return out;
    }

    private static void block(Planner p, SyntheticSpec s, String b) {
        int qDim = s.heads() * s.headDim();
        int kvDim = s.kvHeads() * s.headDim();
        double residual = Math.sqrt(2.0 * s.layers());
        p.norm(b + "attn_norm.weight", s.dim());
        p.matrix(b + "attn_q.weight", s.dim(), qDim, inScale(s.dim()));
        p.matrix(b + "attn_k.weight", s.dim(), kvDim, inScale(s.dim()));
        p.matrix(b + "attn_v.weight", s.dim(), kvDim, inScale(s.dim()));
        if (s.arch().qkvBias()) {
            p.f32(b + "attn_q.bias", 0f, 0.1f, qDim);
            p.f32(b + "attn_k.bias", 0f, 0.1f, kvDim);
            p.f32(b + "attn_v.bias", 0f, 0.1f, kvDim);
        }
        if (s.arch().qkNorm()) {
            p.norm(b + "attn_q_norm.weight", s.headDim());
            p.norm(b + "attn_k_norm.weight", s.headDim());
        }
        p.matrix(b + "attn_output.weight", qDim, s.dim(), (float) (inScale(qDim) / residual));
        p.norm(b + "ffn_norm.weight", s.dim());
        if (!s.arch().moe()) {
            p.matrix(b + "ffn_gate.weight", s.dim(), s.ffnDim(), inScale(s.dim()));
            p.matrix(b + "ffn_down.weight", s.ffnDim(), s.dim(), (float) (inScale(s.ffnDim()) / residual));
            p.matrix(b + "ffn_up.weight", s.dim(), s.ffnDim(), inScale(s.dim()));
            return;
        }
        int e = s.experts();
        int w = s.expertWidth();
        p.f32(b + "ffn_gate_inp.weight", 0f, inScale(s.dim()), s.dim(), e);
        p.experts(b + "ffn_gate_exps.weight", s.dim(), w, e, inScale(s.dim()));
        p.experts(b + "ffn_down_exps.weight", w, s.dim(), e, (float) (inScale(w) / residual));
        p.experts(b + "ffn_up_exps.weight", s.dim(), w, e, inScale(s.dim()));
        if (s.arch().sharedExpert()) {
            int sw = s.sharedExpertFfnDim();
            p.f32(b + "ffn_gate_inp_shexp.weight", 0f, inScale(s.dim()), s.dim());
            p.matrix(b + "ffn_gate_shexp.weight", s.dim(), sw, inScale(s.dim()));
            p.matrix(b + "ffn_down_shexp.weight", sw, s.dim(), (float) (inScale(sw) / residual));
            p.matrix(b + "ffn_up_shexp.weight", s.dim(), sw, inScale(s.dim()));
        }
    }

    private static float inScale(int fanIn) {
        return (float) (1.0 / Math.sqrt(fanIn));
    }

    /** Builds plan entries; large matrices take the spec's type or llama.cpp's fallback for their row length. */
    private record Planner(SyntheticSpec spec, List<SyntheticTensor> out) {
        void matrix(String name, int cols, int rows, float sigma) {
            out.add(new SyntheticTensor(name, new long[] {cols, rows}, typeFor(spec.type(), cols), 0f, sigma));
        }

        void experts(String name, int cols, int rows, int experts, float sigma) {
            out.add(new SyntheticTensor(name, new long[] {cols, rows, experts}, typeFor(spec.type(), cols), 0f, sigma));
        }

        void norm(String name, int n) {
            f32(name, 1f, 0.05f, n);
        }

        void f32(String name, float mean, float sigma, long... ne) {
            out.add(new SyntheticTensor(name, ne, GgmlType.F32, mean, sigma));
        }
    }

    /**
     * The type a row of {@code rowLength} gets when {@code wanted} does not divide it: llama.cpp's
     * quantizer falls back from a k-quant to a 32-block type, and from there to F16.
     */
    static GgmlType typeFor(GgmlType wanted, int rowLength) {
        GgmlType t = wanted;
        if (rowLength % t.blockSize() != 0) {
            t = switch (t) {
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> GgmlType.F16;
            };
        }
        return rowLength % t.blockSize() == 0 ? t : GgmlType.F16;
    }
}
