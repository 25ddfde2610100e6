package io.flotilla.model.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyntheticModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyntheticArch.class)
    void writesEveryTensorWithLlamaCppNamesAndShapes(SyntheticArch arch) throws Exception {
        SyntheticSpec s = SyntheticSpec.tiny(arch);
        SyntheticModelStats stats = SyntheticModel.write(s, dir.resolve("m.gguf"));
        try (GgufFile f = GgufFile.open(stats.path())) {
            assertThat(stats.bytes()).isEqualTo(f.fileSize());
            long params = f.tensors().stream().mapToLong(GgufTensorInfo::elements).sum();
            assertThat(stats.parameters()).isEqualTo(params);
            int q = s.heads() * s.headDim();
            int kv = s.kvHeads() * s.headDim();
            shape(f, "token_embd.weight", s.dim(), s.vocab());
            shape(f, "output_norm.weight", s.dim());
            shape(f, "output.weight", s.dim(), s.vocab());
            shape(f, "blk.1.attn_norm.weight", s.dim());
            shape(f, "blk.1.attn_q.weight", s.dim(), q);
            shape(f, "blk.1.attn_k.weight", s.dim(), kv);
            shape(f, "blk.1.attn_v.weight", s.dim(), kv);
            shape(f, "blk.1.attn_output.weight", q, s.dim());
            shape(f, "blk.1.ffn_norm.weight", s.dim());
            assertThat(f.hasTensor("blk.0.attn_q.bias")).isEqualTo(arch.qkvBias());
            assertThat(f.hasTensor("blk.0.attn_q_norm.weight")).isEqualTo(arch.qkNorm());
            if (arch.qkvBias()) {
                shape(f, "blk.0.attn_k.bias", kv);
            }
            if (arch.qkNorm()) {
                shape(f, "blk.0.attn_k_norm.weight", s.headDim());
            }
            if (arch.moe()) {
                int w = s.expertWidth();
                shape(f, "blk.0.ffn_gate_inp.weight", s.dim(), s.experts());
                shape(f, "blk.0.ffn_gate_exps.weight", s.dim(), w, s.experts());
                shape(f, "blk.0.ffn_up_exps.weight", s.dim(), w, s.experts());
                shape(f, "blk.0.ffn_down_exps.weight", w, s.dim(), s.experts());
                assertThat(f.hasTensor("blk.0.ffn_gate.weight")).isFalse();
            } else {
                shape(f, "blk.0.ffn_gate.weight", s.dim(), s.ffnDim());
                shape(f, "blk.0.ffn_up.weight", s.dim(), s.ffnDim());
                shape(f, "blk.0.ffn_down.weight", s.ffnDim(), s.dim());
            }
            assertThat(f.hasTensor("blk.0.ffn_gate_inp_shexp.weight")).isEqualTo(arch.sharedExpert());
            if (arch.sharedExpert()) {
                shape(f, "blk.0.ffn_gate_inp_shexp.weight", s.dim());
                shape(f, "blk.0.ffn_gate_shexp.weight", s.dim(), s.sharedExpertFfnDim());
                shape(f, "blk.0.ffn_down_shexp.weight", s.sharedExpertFfnDim(), s.dim());
            }
            metadata(f.metadata(), s);
        }
    }

    private static void shape(GgufFile f, String name, long... ne) {
        assertThat(f.requireTensor(name).ne()).as(name).containsExactly(ne);
    }

    private static void metadata(GgufMetadata m, SyntheticSpec s) {
        String a = s.arch().ggufName();
        assertThat(m.getString("general.architecture")).isEqualTo(a);
        assertThat(m.getInt(a + ".embedding_length")).isEqualTo(s.dim());
        assertThat(m.getInt(a + ".block_count")).isEqualTo(s.layers());
        assertThat(m.getInt(a + ".attention.head_count")).isEqualTo(s.heads());
        assertThat(m.getInt(a + ".attention.head_count_kv")).isEqualTo(s.kvHeads());
        assertThat(m.getFloat(a + ".rope.freq_base")).isEqualTo(s.ropeTheta());
        assertThat(m.getString("tokenizer.ggml.model")).isEqualTo("llama");
        assertThat(m.getStringArray("tokenizer.ggml.tokens")).hasSize(s.vocab());
        if (s.arch().moe()) {
            assertThat(m.getInt(a + ".expert_count")).isEqualTo(s.experts());
            assertThat(m.getInt(a + ".expert_used_count")).isEqualTo(s.expertsUsed());
        }
    }

    @Test
    void largeMatricesTakeTheSpecTypeAndSmallOnesStayF32() throws Exception {
        SyntheticSpec s = SyntheticSpec.tiny(SyntheticArch.QWEN2_MOE).withType(GgmlType.BF16);
        try (GgufFile f = GgufFile.open(SyntheticModel.write(s, dir.resolve("b.gguf")).path())) {
            assertThat(f.requireTensor("token_embd.weight").type()).isEqualTo(GgmlType.BF16);
            assertThat(f.requireTensor("blk.0.ffn_down_exps.weight").type()).isEqualTo(GgmlType.BF16);
            assertThat(f.requireTensor("blk.0.ffn_gate_inp.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(f.requireTensor("blk.0.attn_q.bias").type()).isEqualTo(GgmlType.F32);
            assertThat(f.requireTensor("blk.0.attn_norm.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(f.metadata().getInt("general.file_type")).isEqualTo(32);
        }
    }

    @Test
    void rowsThatAKQuantCannotSplitFallBackAsLlamaCppQuantizeDoes() {
        assertThat(SyntheticTensor.typeFor(GgmlType.Q4_K, 512)).isEqualTo(GgmlType.Q4_K);
        assertThat(SyntheticTensor.typeFor(GgmlType.Q4_K, 576)).isEqualTo(GgmlType.Q5_0);
        assertThat(SyntheticTensor.typeFor(GgmlType.Q5_K, 576)).isEqualTo(GgmlType.Q5_1);
        assertThat(SyntheticTensor.typeFor(GgmlType.Q6_K, 576)).isEqualTo(GgmlType.Q8_0);
        assertThat(SyntheticTensor.typeFor(GgmlType.Q4_0, 48)).isEqualTo(GgmlType.F16);
        assertThat(SyntheticTensor.typeFor(GgmlType.BF16, 7)).isEqualTo(GgmlType.BF16);
    }

    @Test
    void tiedOutputLeavesOutOutputWeight() throws Exception {
        SyntheticSpec s = SyntheticSpec.tiny(SyntheticArch.LLAMA).withTiedOutput(true);
        try (GgufFile f = GgufFile.open(SyntheticModel.write(s, dir.resolve("t.gguf")).path())) {
            assertThat(f.hasTensor("output.weight")).isFalse();
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        SyntheticSpec s = SyntheticSpec.tiny(SyntheticArch.LLAMA_MOE).withType(GgmlType.F16);
        String a = sha(SyntheticModel.write(s, dir.resolve("a.gguf")).path());
        String b = sha(SyntheticModel.write(s, dir.resolve("b.gguf")).path());
        String c = sha(SyntheticModel.write(s.withSeed(2), dir.resolve("c.gguf")).path());
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void valuesFollowTheirDistribution() throws Exception {
        SyntheticSpec s = SyntheticSpec.tiny(SyntheticArch.LLAMA);
        try (GgufFile f = GgufFile.open(SyntheticModel.write(s, dir.resolve("d.gguf")).path())) {
            float[] w = f.data(f.requireTensor("blk.0.ffn_gate.weight")).toArray(
                    java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
            double mean = 0, sq = 0;
            for (float v : w) {
                mean += v;
                sq += (double) v * v;
            }
            mean /= w.length;
            double sd = Math.sqrt(sq / w.length - mean * mean);
            assertThat(mean).isBetween(-0.002, 0.002);
            assertThat(sd).isCloseTo(1 / Math.sqrt(s.dim()), org.assertj.core.data.Percentage.withPercentage(2));
            float[] norm = f.data(f.requireTensor("blk.0.attn_norm.weight")).toArray(
                    java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
            for (float v : norm) {
                assertThat(v).isBetween(0.75f, 1.25f);
            }
        }
    }

    @Test
    void copiesTheVocabularyOfAnotherGguf() throws Exception {
        Path source = SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withVocab(300), dir.resolve("v.gguf")).path();
        SyntheticModelStats stats = SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.QWEN2), dir.resolve("q.gguf"), source);
        assertThat(stats.spec().vocab()).isEqualTo(300);
        try (GgufFile f = GgufFile.open(stats.path())) {
            assertThat(f.requireTensor("token_embd.weight").ne()).containsExactly(128, 300);
            assertThat(f.metadata().getStringArray("tokenizer.ggml.tokens")[259]).isEqualTo("\u2581");
        }
    }

    @Test
    void rejectsUnsupportedTypesAndBadShapes() {
        assertThatThrownBy(() -> SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withType(GgmlType.IQ2_XS),
                dir.resolve("x.gguf"))).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IQ2_XS");
        assertThatThrownBy(() -> new SyntheticSpec(SyntheticArch.LLAMA, 64, 2, 4, 3, 16, 128, 512, 64, 0, 0, 0, 0,
                10000f, GgmlType.F32, false, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kvHeads 3");
        assertThat(Files.exists(dir.resolve("x.gguf"))).isFalse();
    }

    private static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
