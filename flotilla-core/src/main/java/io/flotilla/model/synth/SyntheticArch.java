package io.flotilla.model.synth;

/**
 * The architectures a synthetic model can take, each with the GGUF {@code general.architecture}
 * name llama.cpp knows it by and the tensors that set it apart (see llama.cpp
 * {@code src/llama-arch.cpp} and {@code llama_model::load_tensors}).
 */
public enum SyntheticArch {
    /** Llama dense: attention without biases, SwiGLU feed-forward. */
    LLAMA("llama", false, false, false, false),
    /** Llama with experts (Mixtral layout): router {@code ffn_gate_inp} and 3-D {@code ffn_*_exps}. */
    LLAMA_MOE("llama", false, false, true, false),
    /** Qwen2: Llama plus biases on the Q, K and V projections. */
    QWEN2("qwen2", true, false, false, false),
    /** Qwen2-MoE: Qwen2 attention, routed experts plus one gated shared expert. */
    QWEN2_MOE("qwen2moe", true, false, true, true),
    /** Qwen3: Llama plus RMS norms on each head of Q and K ({@code attn_q_norm}, {@code attn_k_norm}). */
    QWEN3("qwen3", false, true, false, false),
    /** Qwen3-MoE: Qwen3 attention, routed experts without a shared expert. */
    QWEN3_MOE("qwen3moe", false, true, true, false);

    private final String ggufName;
    private final boolean qkvBias;
    private final boolean qkNorm;
    private final boolean moe;
    private final boolean sharedExpert;

    SyntheticArch(String ggufName, boolean qkvBias, boolean qkNorm, boolean moe, boolean sharedExpert) {
        this.ggufName = ggufName;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
        this.moe = moe;
        this.sharedExpert = sharedExpert;
    }

    /** The value of {@code general.architecture} and the prefix of the hyper-parameter keys. */
    public String ggufName() {
        return ggufName;
    }

    public boolean qkvBias() {
        return qkvBias;
    }

    public boolean qkNorm() {
        return qkNorm;
    }

    public boolean moe() {
        return moe;
    }

    public boolean sharedExpert() {
        return sharedExpert;
    }

    /** Whether the MoE expert width is its own key ({@code expert_feed_forward_length}) rather than {@code feed_forward_length}. */
    boolean expertWidthKey() {
        return this == QWEN2_MOE || this == QWEN3_MOE;
    }

    /** The RMS-norm epsilon the original models of this family use. */
    float rmsEpsilon() {
        return this == LLAMA || this == LLAMA_MOE ? 1e-5f : 1e-6f;
    }
}
