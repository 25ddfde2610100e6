package io.flotilla.model;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.tensor.WeightMatrix;

/** {@code down · (silu(gate · x) ⊙ (up · x))}, the dense FFN of Llama and Qwen (and each MoE expert). */
public record SwiGluFeedForward(WeightMatrix gate, WeightMatrix up, WeightMatrix down, Compute compute)
        implements FeedForward {

    /** {@code prefix.ffn_gate/up/down{suffix}.weight}, e.g. suffix "" or "_shexp". */
    public static SwiGluFeedForward load(GgufFile f, String prefix, String suffix, int dim, int hidden, Compute compute) {
        return new SwiGluFeedForward(
                VectorOps.matrix(f, prefix + "ffn_gate" + suffix + ".weight", hidden, dim),
                VectorOps.matrix(f, prefix + "ffn_up" + suffix + ".weight", hidden, dim),
                VectorOps.matrix(f, prefix + "ffn_down" + suffix + ".weight", dim, hidden), compute);
    }

    @Override
    public void forward(Activations a, int n) {
        apply(a.xb, n, a.xb2, a);
    }

    /** {@code out[n × dim] = ffn(in[n × dim])}, using a.hb and a.hb2 as the hidden buffers. */
    public void apply(float[] in, int n, float[] out, Activations a) {
        compute.matMul(in, n, gate, a.hb, up, a.hb2); // [n × hidden] each
        VectorOps.swiGlu(a.hb, a.hb2, n * gate.rows());
        compute.matMul(down, a.hb, n, out);     // [n × dim]
    }
}
