package io.flotilla.model;

import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufValue;
import java.util.NoSuchElementException;

/**
 * The hyper-parameters of a decoder-only transformer, read from the {@code {arch}.*} metadata keys
 * of a GGUF file as llama.cpp reads them.
 *
 * @param architecture     which forward pass to run
 * @param dim              {@code embedding_length}
 * @param layers           {@code block_count}
 * @param ffnDim           {@code feed_forward_length} (dense FFN; 0 when every layer is MoE)
 * @param heads            {@code attention.head_count}
 * @param kvHeads          {@code attention.head_count_kv} (defaults to heads)
 * @param headDimK         {@code attention.key_length} (defaults to dim / heads)
 * @param headDimV         {@code attention.value_length} (defaults to dim / heads)
 * @param rmsEps           {@code attention.layer_norm_rms_epsilon}
 * @param contextLength    {@code context_length}, the training context
 * @param vocabSize        {@code vocab_size}, else the length of {@code tokenizer.ggml.tokens}, else 0 (unknown)
 * @param attentionScale   {@code attention.scale}, else 1 / sqrt(headDimK)
 * @param rope             rotary embedding settings
 * @param experts          {@code expert_count} (0: dense)
 * @param expertsUsed      {@code expert_used_count}, the k of top-k routing
 * @param expertFfnDim     {@code expert_feed_forward_length} (defaults to ffnDim)
 * @param sharedExpertFfnDim {@code expert_shared_feed_forward_length} (qwen2moe; defaults to expertFfnDim)
 * @param normalizeExpertWeights whether the k routing weights are renormalized to sum to 1
 */
public record ModelConfig(Architecture architecture, int dim, int layers, int ffnDim, int heads, int kvHeads,
                          int headDimK, int headDimV, float rmsEps, int contextLength, int vocabSize,
                          float attentionScale, RopeConfig rope, int experts, int expertsUsed, int expertFfnDim,
                          int sharedExpertFfnDim, boolean normalizeExpertWeights) {

    public ModelConfig {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad model shape: dim " + dim + ", layers " + layers + ", heads " + heads
                    + ", kv heads " + kvHeads + " (heads must be a multiple of kv heads)");
        }
        if (experts > 0 && (expertsUsed <= 0 || expertsUsed > experts)) {
            throw new IllegalArgumentException("expert_used_count is " + expertsUsed + ", expected 1.." + experts);
        }
    }

    /** Every hyper-parameter from {@code metadata}; an unknown architecture is an {@link UnsupportedOperationException}. */
    public static ModelConfig fromGguf(GgufMetadata m) {
        Architecture arch = Architecture.of(m.getString("general.architecture"));
        String p = arch.ggufName() + ".";
        int dim = m.getInt(p + "embedding_length");
        int layers = m.getInt(p + "block_count");
        int heads = uniform(m, p + "attention.head_count", -1);
        int kvHeads = uniform(m, p + "attention.head_count_kv", heads);
        int ffnDim = uniform(m, p + "feed_forward_length", 0);
        int headDimK = m.getInt(p + "attention.key_length", dim / heads);
        int headDimV = m.getInt(p + "attention.value_length", dim / heads);
        int context = m.getInt(p + "context_length", 2048);
        float scale = m.getFloat(p + "attention.scale", 0f);
        int experts = m.getInt(p + "expert_count", 0);
        int expertFfn = m.getInt(p + "expert_feed_forward_length", ffnDim);
        return new ModelConfig(arch, dim, layers, ffnDim, heads, kvHeads, headDimK, headDimV,
                m.getFloat(p + "attention.layer_norm_rms_epsilon"), context, vocabSize(m, p),
                scale == 0f ? (float) (1.0 / Math.sqrt(headDimK)) : scale,
                RopeConfig.fromGguf(m, arch, headDimK, context), experts, m.getInt(p + "expert_used_count", 0),
                expertFfn, m.getInt(p + "expert_shared_feed_forward_length", expertFfn),
                arch != Architecture.QWEN2MOE);
    }

    /** A per-layer key written as one number, or as an array whose entries all agree. */
    private static int uniform(GgufMetadata m, String key, int def) {
        GgufValue v = m.get(key);
        if (v == null) {
            if (def < 0) {
                throw new NoSuchElementException("metadata key '" + key + "' is missing");
            }
            return def;
        }
        if (v.value() instanceof long[] a) {
            for (long x : a) {
                if (x != a[0]) {
                    throw new UnsupportedOperationException(key + " differs between layers, which is not supported");
                }
            }
            return a.length == 0 ? def : Math.toIntExact(a[0]);
        }
        return m.getInt(key);
    }

    private static int vocabSize(GgufMetadata m, String p) {
        if (m.contains(p + "vocab_size")) {
            return m.getInt(p + "vocab_size");
        }
        return m.contains("tokenizer.ggml.tokens") ? m.getStringArray("tokenizer.ggml.tokens").length : 0;
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int queryDim() {
        return heads * headDimK;
    }

    public int kvDimK() {
        return kvHeads * headDimK;
    }

    public int kvDimV() {
        return kvHeads * headDimV;
    }

    public boolean isMoe() {
        return experts > 0;
    }

    /** The same configuration with another vocabulary size (when metadata does not say, the embedding does). */
    public ModelConfig withVocabSize(int vocab) {
        return new ModelConfig(architecture, dim, layers, ffnDim, heads, kvHeads, headDimK, headDimV, rmsEps,
                contextLength, vocab, attentionScale, rope, experts, expertsUsed, expertFfnDim, sharedExpertFfnDim,
                normalizeExpertWeights);
    }
}
