package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufValue;
import io.flotilla.gguf.GgufValueType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    @Test
    void readsTheRealTinyStoriesModel() throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8())) {
            ModelConfig c = ModelConfig.fromGguf(f.metadata());
            assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
            assertThat(c.dim()).isEqualTo(128);
            assertThat(c.layers()).isEqualTo(2);
            assertThat(c.ffnDim()).isEqualTo(384);
            assertThat(c.heads()).isEqualTo(8);
            assertThat(c.kvHeads()).isEqualTo(4);
            assertThat(c.headDimK()).isEqualTo(16);
            assertThat(c.headDimV()).isEqualTo(16);
            assertThat(c.rmsEps()).isEqualTo(1e-6f);
            assertThat(c.contextLength()).isEqualTo(512);
            assertThat(c.vocabSize()).isEqualTo(2048);
            assertThat(c.attentionScale()).isEqualTo(0.25f);
            assertThat(c.rope()).isEqualTo(new RopeConfig(Architecture.RopeType.NORMAL, 16, 10000f,
                    RopeConfig.Scaling.LINEAR, 1f, 512, 1f, null));
            assertThat(c.isMoe()).isFalse();
        }
    }

    @Test
    void unknownArchitectureNamesItAndTheSupportedOnes() {
        Map<String, GgufValue> kv = base("gpt2");
        assertThatThrownBy(() -> ModelConfig.fromGguf(new GgufMetadata(kv)))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("'gpt2'")
                .hasMessageContaining("llama, qwen2, qwen2moe, qwen3, qwen3moe");
    }

    @Test
    void missingKeyIsNamed() {
        Map<String, GgufValue> kv = base("qwen3");
        kv.remove("qwen3.block_count");
        assertThatThrownBy(() -> ModelConfig.fromGguf(new GgufMetadata(kv)))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("qwen3.block_count");
    }

    @Test
    void readsExpertsRopeScalingAndPerLayerArrays() {
        Map<String, GgufValue> kv = base("qwen2moe");
        kv.put("qwen2moe.attention.head_count_kv", GgufValue.array(GgufValueType.INT32, new long[] {2, 2}));
        kv.put("qwen2moe.expert_count", u32(60));
        kv.put("qwen2moe.expert_used_count", u32(4));
        kv.put("qwen2moe.expert_feed_forward_length", u32(1408));
        kv.put("qwen2moe.expert_shared_feed_forward_length", u32(5632));
        kv.put("qwen2moe.rope.scaling.type", GgufValue.of(GgufValueType.STRING, "yarn"));
        kv.put("qwen2moe.rope.scaling.factor", GgufValue.of(GgufValueType.FLOAT32, 4f));
        kv.put("qwen2moe.rope.scaling.original_context_length", u32(32768));
        ModelConfig c = ModelConfig.fromGguf(new GgufMetadata(kv));
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.experts()).isEqualTo(60);
        assertThat(c.expertsUsed()).isEqualTo(4);
        assertThat(c.expertFfnDim()).isEqualTo(1408);
        assertThat(c.sharedExpertFfnDim()).isEqualTo(5632);
        assertThat(c.normalizeExpertWeights()).isFalse();
        assertThat(c.rope().type()).isEqualTo(Architecture.RopeType.NEOX);
        assertThat(c.rope().scaling()).isEqualTo(RopeConfig.Scaling.YARN);
        assertThat(c.rope().freqScale()).isEqualTo(0.25f);
        assertThat(c.rope().originalContext()).isEqualTo(32768);
    }

    @Test
    void llama3RopeFactorsFollowTheHuggingFaceFormula() {
        Map<String, GgufValue> kv = base("llama");
        kv.put("llama.rope.freq_base", GgufValue.of(GgufValueType.FLOAT32, 500000f));
        kv.put("llama.rope.scaling.type", GgufValue.of(GgufValueType.STRING, "llama3"));
        kv.put("llama.rope.scaling.factor", GgufValue.of(GgufValueType.FLOAT32, 32f));
        kv.put("llama.rope.scaling.low_freq_factor", GgufValue.of(GgufValueType.FLOAT32, 1f));
        kv.put("llama.rope.scaling.high_freq_factor", GgufValue.of(GgufValueType.FLOAT32, 4f));
        kv.put("llama.rope.scaling.original_context_length", u32(8192));
        kv.put("llama.embedding_length", u32(2048));
        kv.put("llama.attention.head_count", u32(32));
        kv.put("llama.attention.head_count_kv", u32(8));
        ModelConfig c = ModelConfig.fromGguf(new GgufMetadata(kv));
        float[] ff = c.rope().llama3Factors();
        assertThat(c.rope().freqScale()).isEqualTo(1f);
        assertThat(ff).hasSize(32);
        assertThat(ff[0]).isEqualTo(1f);          // highest frequency: unchanged
        assertThat(ff[31]).isEqualTo(32f);        // lowest frequency: divided by the factor
        for (int i = 1; i < ff.length; i++) {
            assertThat(ff[i]).isGreaterThanOrEqualTo(ff[i - 1]);
        }
    }

    private static Map<String, GgufValue> base(String arch) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.of(GgufValueType.STRING, arch));
        kv.put(arch + ".embedding_length", u32(64));
        kv.put(arch + ".block_count", u32(2));
        kv.put(arch + ".feed_forward_length", u32(128));
        kv.put(arch + ".attention.head_count", u32(4));
        kv.put(arch + ".attention.head_count_kv", u32(2));
        kv.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.of(GgufValueType.FLOAT32, 1e-6f));
        return kv;
    }

    private static GgufValue u32(long v) {
        return GgufValue.of(GgufValueType.UINT32, v);
    }
}
