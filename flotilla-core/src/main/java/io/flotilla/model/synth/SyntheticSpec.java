package io.flotilla.model.synth;

import io.flotilla.gguf.GgmlType;

/**
 * The shape of a synthetic model: which architecture, how wide and deep, and the tensor type of
 * its large matrices (embeddings, projections, experts; norms, biases and the router stay F32, as
 * llama.cpp's converter and quantizer keep them). Fields that an architecture does not use are
 * ignored: {@code experts}, {@code expertsUsed}, {@code expertFfnDim} outside MoE,
 * {@code sharedExpertFfnDim} outside {@link SyntheticArch#QWEN2_MOE}, {@code tiedOutput} for MoE.
 *
 * @param headDim      width of one attention head; may differ from {@code dim / heads} (Qwen3)
 * @param ffnDim       dense feed-forward width; for {@link SyntheticArch#LLAMA_MOE} also each expert's
 * @param expertFfnDim width of one routed expert (Qwen MoE)
 * @param tiedOutput   no {@code output.weight}: logits use {@code token_embd.weight}
 */
public record SyntheticSpec(
        SyntheticArch arch,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocab,
        int ctx,
        int experts,
        int expertsUsed,
        int expertFfnDim,
        int sharedExpertFfnDim,
        float ropeTheta,
        GgmlType type,
        boolean tiedOutput,
        long seed) {

    /** The smallest vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, 256 byte tokens and a few pieces. */
    public static final int MIN_VOCAB = 3 + 256 + 16;

    public SyntheticSpec {
        if (arch == null || type == null) {
            throw new IllegalArgumentException("arch and type are required, got " + arch + ", " + type);
        }
        requirePositive("dim", dim);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("kvHeads", kvHeads);
        requirePositive("headDim", headDim);
        requirePositive("ctx", ctx);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be even for RoPE, got " + headDim);
        }
        if (vocab < MIN_VOCAB) {
            throw new IllegalArgumentException("vocab " + vocab + " is below the minimum " + MIN_VOCAB);
        }
        if (arch.moe()) {
            if (experts < 2 || expertsUsed < 1 || expertsUsed > experts) {
                throw new IllegalArgumentException("MoE needs experts >= 2 and 1 <= expertsUsed <= experts, got "
                        + experts + " and " + expertsUsed);
            }
            requirePositive(arch == SyntheticArch.LLAMA_MOE ? "ffnDim" : "expertFfnDim",
                    arch == SyntheticArch.LLAMA_MOE ? ffnDim : expertFfnDim);
            if (arch.sharedExpert()) {
                requirePositive("sharedExpertFfnDim", sharedExpertFfnDim);
            }
        } else {
            requirePositive("ffnDim", ffnDim);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("ropeTheta must be positive, got " + ropeTheta);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** Width of one routed expert as llama.cpp reads it for this architecture. */
    public int expertWidth() {
        return arch == SyntheticArch.LLAMA_MOE ? ffnDim : expertFfnDim;
    }

    /** Whether {@code output.weight} is written (MoE presets always write it). */
    public boolean hasOutput() {
        return arch.moe() || !tiedOutput;
    }

    public SyntheticSpec withType(GgmlType t) {
        return new SyntheticSpec(arch, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, ctx, experts,
                expertsUsed, expertFfnDim, sharedExpertFfnDim, ropeTheta, t, tiedOutput, seed);
    }

    public SyntheticSpec withSeed(long s) {
        return new SyntheticSpec(arch, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, ctx, experts,
                expertsUsed, expertFfnDim, sharedExpertFfnDim, ropeTheta, type, tiedOutput, s);
    }

    public SyntheticSpec withTiedOutput(boolean tied) {
        return new SyntheticSpec(arch, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, ctx, experts,
                expertsUsed, expertFfnDim, sharedExpertFfnDim, ropeTheta, type, tied, seed);
    }

    public SyntheticSpec withVocab(int v) {
        return new SyntheticSpec(arch, dim, layers, heads, kvHeads, headDim, ffnDim, v, ctx, experts,
                expertsUsed, expertFfnDim, sharedExpertFfnDim, ropeTheta, type, tiedOutput, seed);
    }

    // ---- presets of real shapes ----

    /** Names accepted by {@link #preset}. */
    public static final java.util.List<String> PRESETS = java.util.List.of(
            "llama-3.2-1b", "smollm2-135m", "mixtral-style", "qwen3-moe-style",
            "tiny-llama", "tiny-llama-moe", "tiny-qwen2", "tiny-qwen2-moe", "tiny-qwen3", "tiny-qwen3-moe");

    /** The preset called {@code name} (one of {@link #PRESETS}) with its large matrices in {@code type}. */
    public static SyntheticSpec preset(String name, GgmlType type) {
        return switch (name) {
            case "llama-3.2-1b" -> llama32_1b(type);
            case "smollm2-135m" -> smolLm2_135m(type);
            case "mixtral-style" -> mixtralStyle(type);
            case "qwen3-moe-style" -> qwen3MoeStyle(type);
            case "tiny-llama" -> tiny(SyntheticArch.LLAMA).withType(type);
            case "tiny-llama-moe" -> tiny(SyntheticArch.LLAMA_MOE).withType(type);
            case "tiny-qwen2" -> tiny(SyntheticArch.QWEN2).withType(type);
            case "tiny-qwen2-moe" -> tiny(SyntheticArch.QWEN2_MOE).withType(type);
            case "tiny-qwen3" -> tiny(SyntheticArch.QWEN3).withType(type);
            case "tiny-qwen3-moe" -> tiny(SyntheticArch.QWEN3_MOE).withType(type);
            default -> throw new IllegalArgumentException("no synthetic preset '" + name + "'; known: " + PRESETS);
        };
    }

    /** Llama-3.2-1B's shape (vocabulary cut to 32000): 2048 wide, 16 layers, 32/8 heads, FFN 8192, tied output. */
    public static SyntheticSpec llama32_1b(GgmlType type) {
        return new SyntheticSpec(SyntheticArch.LLAMA, 2048, 16, 32, 8, 64, 8192, 32000, 4096,
                0, 0, 0, 0, 500000f, type, true, 1);
    }

    /** SmolLM2-135M's shape: 576 wide, 30 layers, 9/3 heads, FFN 1536, vocabulary 49152, tied output. */
    public static SyntheticSpec smolLm2_135m(GgmlType type) {
        return new SyntheticSpec(SyntheticArch.LLAMA, 576, 30, 9, 3, 64, 1536, 49152, 2048,
                0, 0, 0, 0, 100000f, type, true, 1);
    }

    /** A Mixtral-style MoE (llama architecture, 8 experts, top-2) of about 1 GB in Q4_0. */
    public static SyntheticSpec mixtralStyle(GgmlType type) {
        return new SyntheticSpec(SyntheticArch.LLAMA_MOE, 2048, 6, 16, 4, 128, 5632, 32000, 4096,
                8, 2, 0, 0, 1000000f, type, false, 1);
    }

    /** A Qwen3-MoE-style shape (Qwen3-30B-A3B scaled down): 64 experts of width 512, top-8, head 128. */
    public static SyntheticSpec qwen3MoeStyle(GgmlType type) {
        return new SyntheticSpec(SyntheticArch.QWEN3_MOE, 1024, 12, 16, 4, 128, 3072, 32000, 4096,
                64, 8, 512, 0, 1000000f, type, false, 1);
    }

    /** A tiny model for tests: 128 wide, 2 layers, 4/2 heads of 32, vocabulary 512; MoE: 4 experts, top-2. */
    public static SyntheticSpec tiny(SyntheticArch arch) {
        return new SyntheticSpec(arch, 128, 2, 4, 2, 32, 384, 512, 256,
                4, 2, 128, 256, 10000f, GgmlType.F32, false, 1);
    }
}
