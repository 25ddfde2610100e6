package io.flotilla.train.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where every tensor of a {@link ModelConfig} lives in the one contiguous parameter buffer
 * (gradients use the same offsets). Tensors carry their llama.cpp GGUF names and shapes
 * ({@code ne0} first: a weight matrix that computes {@code y = W x} is {@code [in, out]}, stored
 * out-major), so export is a plain copy.
 */
public final class ParameterLayout {

    /** One tensor: GGUF name, shape with ne0 first, offset into the buffer, whether AdamW decays it. */
    public record Slot(String name, long[] ne, int offset, int size, boolean decay) {}

    /** Offsets of one block's tensors; MoE expert tensors are [experts][out][in]. */
    public record Block(int attnNorm, int wq, int wk, int wv, int wo, int ffnNorm,
                        int router, int gate, int up, int down) {}

    private final List<Slot> slots = new ArrayList<>();
    private final Block[] blocks;
    private final int tokenEmbedding;
    private final int outputNorm;
    private final int output;
    private int size;

    public ParameterLayout(ModelConfig c) {
        int d = c.dim();
        int kv = c.kvDim();
        int f = c.ffnHidden();
        tokenEmbedding = add("token_embd.weight", true, d, c.vocab());
        blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            int attnNorm = add(p + "attn_norm.weight", false, d);
            int wq = add(p + "attn_q.weight", true, d, d);
            int wk = add(p + "attn_k.weight", true, d, kv);
            int wv = add(p + "attn_v.weight", true, d, kv);
            int wo = add(p + "attn_output.weight", true, d, d);
            int ffnNorm = add(p + "ffn_norm.weight", false, d);
            if (c.moe()) {
                int e = c.experts();
                int router = add(p + "ffn_gate_inp.weight", true, d, e);
                int gate = add(p + "ffn_gate_exps.weight", true, d, f, e);
                int up = add(p + "ffn_up_exps.weight", true, d, f, e);
                int down = add(p + "ffn_down_exps.weight", true, f, d, e);
                blocks[l] = new Block(attnNorm, wq, wk, wv, wo, ffnNorm, router, gate, up, down);
            } else {
                int gate = add(p + "ffn_gate.weight", true, d, f);
                int up = add(p + "ffn_up.weight", true, d, f);
                int down = add(p + "ffn_down.weight", true, f, d);
                blocks[l] = new Block(attnNorm, wq, wk, wv, wo, ffnNorm, -1, gate, up, down);
            }
        }
        outputNorm = add("output_norm.weight", false, d);
        output = add("output.weight", true, d, c.vocab());
    }

    private int add(String name, boolean decay, long... ne) {
        long n = 1;
        for (long x : ne) {
            n *= x;
        }
        if (size + n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model too large for one float[]: " + (size + n) + " parameters");
        }
        int offset = size;
        slots.add(new Slot(name, ne.clone(), offset, (int) n, decay));
        size += (int) n;
        return offset;
    }

    /** Total parameter count. */
    public int size() {
        return size;
    }

    public List<Slot> slots() {
        return Collections.unmodifiableList(slots);
    }

    public Block block(int layer) {
        return blocks[layer];
    }

    public int tokenEmbedding() {
        return tokenEmbedding;
    }

    public int outputNorm() {
        return outputNorm;
    }

    public int output() {
        return output;
    }
}
