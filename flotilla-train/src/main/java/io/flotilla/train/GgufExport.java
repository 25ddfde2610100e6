package io.flotilla.train;

import io.flotilla.gguf.GgufWriter;
import io.flotilla.train.data.PieceTokenizer;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.ModelConfig;
import io.flotilla.train.model.ParameterLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes a trained model as a GGUF file of architecture {@code llama} (F32 tensors, llama.cpp
 * tensor names and metadata keys) with its SentencePiece-style vocabulary. The model already uses
 * llama.cpp's RoPE convention and out-major weight layout, so tensors are copied as they are.
 */
public final class GgufExport {

    private GgufExport() {}

    public static void write(LlamaModel model, PieceTokenizer tokenizer, String name, Path file) throws IOException {
        ModelConfig c = model.config();
        if (tokenizer.vocabSize() != c.vocab()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, model "
                    + c.vocab());
        }
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", name);
        w.putUInt32("general.file_type", 0); // all F32
        w.putUInt32("llama.vocab_size", c.vocab());
        w.putUInt32("llama.context_length", c.context());
        w.putUInt32("llama.embedding_length", c.dim());
        w.putUInt32("llama.block_count", c.layers());
        w.putUInt32("llama.feed_forward_length", c.ffnHidden());
        w.putUInt32("llama.attention.head_count", c.heads());
        w.putUInt32("llama.attention.head_count_kv", c.kvHeads());
        w.putFloat32("llama.rope.freq_base", c.ropeBase());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", c.normEps());
        w.putUInt32("llama.rope.dimension_count", c.headDim());
        if (c.moe()) {
            w.putUInt32("llama.expert_count", c.experts());
            w.putUInt32("llama.expert_used_count", c.expertsUsed());
        }
        putTokenizer(w, tokenizer);
        float[] params = model.params();
        for (ParameterLayout.Slot s : model.layout().slots()) {
            w.addTensor(s.name(), s.ne(), Arrays.copyOfRange(params, s.offset(), s.offset() + s.size()));
        }
        w.write(file);
    }

    private static void putTokenizer(GgufWriter w, PieceTokenizer tokenizer) {
        w.putString("tokenizer.ggml.model", "llama");
        w.putStringArray("tokenizer.ggml.tokens", tokenizer.pieces().toArray(String[]::new));
        w.putFloat32Array("tokenizer.ggml.scores", tokenizer.scores());
        w.putInt32Array("tokenizer.ggml.token_type", tokenizer.tokenTypes());
        w.putUInt32("tokenizer.ggml.unknown_token_id", PieceTokenizer.UNK);
        w.putUInt32("tokenizer.ggml.bos_token_id", PieceTokenizer.BOS);
        w.putUInt32("tokenizer.ggml.eos_token_id", PieceTokenizer.EOS);
        // trained on raw text: no BOS in front, no space inserted before the first word
        w.putBool("tokenizer.ggml.add_bos_token", false);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        w.putBool("tokenizer.ggml.add_space_prefix", false);
    }
}
