package io.flotilla.model.synth;

import io.flotilla.gguf.GgufWriter;

/** The {@code general.*} and {@code <arch>.*} keys of a synthetic model, as llama.cpp's loader reads them. */
final class SyntheticMetadata {
    private SyntheticMetadata() {}

    static void write(SyntheticSpec s, GgufWriter w) {
        String a = s.arch().ggufName();
        w.putString("general.architecture", a);
        w.putString("general.type", "model");
        w.putString("general.name", name(s));
        w.putUInt32("general.file_type", SyntheticModel.fileType(s.type()));
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32(a + ".vocab_size", s.vocab());
        w.putUInt32(a + ".context_length", s.ctx());
        w.putUInt32(a + ".embedding_length", s.dim());
        w.putUInt32(a + ".block_count", s.layers());
        w.putUInt32(a + ".feed_forward_length", s.ffnDim());
        w.putUInt32(a + ".attention.head_count", s.heads());
        w.putUInt32(a + ".attention.head_count_kv", s.kvHeads());
        w.putFloat32(a + ".rope.freq_base", s.ropeTheta());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", s.arch().rmsEpsilon());
        if (s.arch().qkNorm() || s.headDim() * s.heads() != s.dim()) {
            w.putUInt32(a + ".attention.key_length", s.headDim());
            w.putUInt32(a + ".attention.value_length", s.headDim());
        }
        if (s.arch() == SyntheticArch.LLAMA || s.arch() == SyntheticArch.LLAMA_MOE) {
            w.putUInt32(a + ".rope.dimension_count", s.headDim());
        }
        if (s.arch().moe()) {
            w.putUInt32(a + ".expert_count", s.experts());
            w.putUInt32(a + ".expert_used_count", s.expertsUsed());
            if (s.arch().expertWidthKey()) {
                w.putUInt32(a + ".expert_feed_forward_length", s.expertFfnDim());
            }
            if (s.arch().sharedExpert()) {
                w.putUInt32(a + ".expert_shared_feed_forward_length", s.sharedExpertFfnDim());
            }
        }
    }

    /** e.g. {@code synthetic-llama-2048x16-q4_0}. */
    static String name(SyntheticSpec s) {
        String arch = s.arch().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        return "synthetic-" + arch + "-" + s.dim() + "x" + s.layers() + "-" + s.type().name().toLowerCase(java.util.Locale.ROOT);
    }
}
