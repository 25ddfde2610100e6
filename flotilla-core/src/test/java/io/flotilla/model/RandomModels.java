package io.flotilla.model;

import io.flotilla.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Small random-weight GGUF models of every architecture, F32, written with GgufWriter (until the
 * synthetic-model builder in io.flotilla.model.synth covers these tests).
 */
final class RandomModels {
    private RandomModels() {}

    /** The shape of a random model. */
    record Spec(String arch, int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab,
                int experts, int used, int expertFfn, int sharedFfn, boolean tied, boolean biases) {

        /** A small model of {@code arch} with the features that architecture has. */
        static Spec of(String arch) {
            boolean moe = arch.endsWith("moe");
            boolean qwen3 = arch.startsWith("qwen3");
            return new Spec(arch, 32, 2, 4, 2, qwen3 ? 16 : 8, moe ? 0 : 48, 96, moe ? 6 : 0, moe ? 2 : 0,
                    moe ? 24 : 0, arch.equals("qwen2moe") ? 40 : 0, false, arch.startsWith("qwen2"));
        }

        /** Mixtral: a llama file with experts. */
        static Spec mixtral() {
            return new Spec("llama", 32, 2, 4, 2, 8, 24, 96, 4, 2, 24, 0, false, false); // Mixtral: feed_forward_length is the expert size
        }

        Spec withTied(boolean t) {
            return new Spec(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, experts, used, expertFfn,
                    sharedFfn, t, biases);
        }
    }

    static Path write(Spec s, Path target, long seed) throws IOException {
        Random rnd = new Random(seed);
        String a = s.arch();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putUInt32(a + ".context_length", 256);
        w.putUInt32(a + ".embedding_length", s.dim());
        w.putUInt32(a + ".block_count", s.layers());
        w.putUInt32(a + ".feed_forward_length", s.ffn());
        w.putUInt32(a + ".attention.head_count", s.heads());
        w.putUInt32(a + ".attention.head_count_kv", s.kvHeads());
        w.putUInt32(a + ".attention.key_length", s.headDim());
        w.putUInt32(a + ".attention.value_length", s.headDim());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
        w.putFloat32(a + ".rope.freq_base", 10000f);
        w.putUInt32(a + ".vocab_size", s.vocab());
        if (s.experts() > 0) {
            w.putUInt32(a + ".expert_count", s.experts());
            w.putUInt32(a + ".expert_used_count", s.used());
            w.putUInt32(a + ".expert_feed_forward_length", s.expertFfn());
            if (s.sharedFfn() > 0) {
                w.putUInt32(a + ".expert_shared_feed_forward_length", s.sharedFfn());
            }
        }
        w.addTensor("token_embd.weight", new long[] {s.dim(), s.vocab()}, gaussian(rnd, s.dim() * s.vocab(), 1f));
        w.addTensor("output_norm.weight", new long[] {s.dim()}, norm(rnd, s.dim()));
        if (!s.tied()) {
            w.addTensor("output.weight", new long[] {s.dim(), s.vocab()}, matrix(rnd, s.vocab(), s.dim()));
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            w.addTensor(p + "attn_norm.weight", new long[] {s.dim()}, norm(rnd, s.dim()));
            w.addTensor(p + "attn_q.weight", new long[] {s.dim(), q}, matrix(rnd, q, s.dim()));
            w.addTensor(p + "attn_k.weight", new long[] {s.dim(), kv}, matrix(rnd, kv, s.dim()));
            w.addTensor(p + "attn_v.weight", new long[] {s.dim(), kv}, matrix(rnd, kv, s.dim()));
            w.addTensor(p + "attn_output.weight", new long[] {q, s.dim()}, matrix(rnd, s.dim(), q));
            if (s.biases()) {
                w.addTensor(p + "attn_q.bias", new long[] {q}, gaussian(rnd, q, 0.3f));
                w.addTensor(p + "attn_k.bias", new long[] {kv}, gaussian(rnd, kv, 0.3f));
                w.addTensor(p + "attn_v.bias", new long[] {kv}, gaussian(rnd, kv, 0.3f));
            }
            if (a.startsWith("qwen3")) {
                w.addTensor(p + "attn_q_norm.weight", new long[] {s.headDim()}, norm(rnd, s.headDim()));
                w.addTensor(p + "attn_k_norm.weight", new long[] {s.headDim()}, norm(rnd, s.headDim()));
            }
            w.addTensor(p + "ffn_norm.weight", new long[] {s.dim()}, norm(rnd, s.dim()));
            if (s.experts() == 0) {
                addFfn(w, rnd, p, "", s.dim(), s.ffn());
            } else {
                addExperts(w, rnd, p, s);
            }
        }
        w.write(target);
        return target;
    }

    private static void addFfn(GgufWriter w, Random rnd, String p, String suffix, int dim, int hidden) {
        w.addTensor(p + "ffn_gate" + suffix + ".weight", new long[] {dim, hidden}, matrix(rnd, hidden, dim));
        w.addTensor(p + "ffn_up" + suffix + ".weight", new long[] {dim, hidden}, matrix(rnd, hidden, dim));
        w.addTensor(p + "ffn_down" + suffix + ".weight", new long[] {hidden, dim}, matrix(rnd, dim, hidden));
    }

    private static void addExperts(GgufWriter w, Random rnd, String p, Spec s) {
        int d = s.dim();
        int e = s.experts();
        int h = s.expertFfn();
        w.addTensor(p + "ffn_gate_inp.weight", new long[] {d, e}, gaussian(rnd, d * e, 2f / (float) Math.sqrt(d)));
        w.addTensor(p + "ffn_gate_exps.weight", new long[] {d, h, e}, gaussian(rnd, d * h * e, 1f / (float) Math.sqrt(d)));
        w.addTensor(p + "ffn_up_exps.weight", new long[] {d, h, e}, gaussian(rnd, d * h * e, 1f / (float) Math.sqrt(d)));
        w.addTensor(p + "ffn_down_exps.weight", new long[] {h, d, e}, gaussian(rnd, d * h * e, 1f / (float) Math.sqrt(h)));
        if (s.sharedFfn() > 0) {
            addFfn(w, rnd, p, "_shexp", d, s.sharedFfn());
            w.addTensor(p + "ffn_gate_inp_shexp.weight", new long[] {d}, gaussian(rnd, d, 1f / (float) Math.sqrt(d)));
        }
    }

    /** rows × cols with entries of standard deviation 1/sqrt(cols). */
    private static float[] matrix(Random rnd, int rows, int cols) {
        return gaussian(rnd, rows * cols, 1f / (float) Math.sqrt(cols));
    }

    private static float[] norm(Random rnd, int n) {
        float[] x = gaussian(rnd, n, 0.1f);
        for (int i = 0; i < n; i++) {
            x[i] += 1f;
        }
        return x;
    }

    static float[] gaussian(Random rnd, int n, float std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * std;
        }
        return x;
    }
}
