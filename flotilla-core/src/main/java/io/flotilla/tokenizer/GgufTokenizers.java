package io.flotilla.tokenizer;

import io.flotilla.gguf.GgufMetadata;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Reads a {@link TokenizerSpec} from GGUF {@code tokenizer.ggml.*} metadata, with llama.cpp's defaults. */
final class GgufTokenizers {
    private static final String PREFIX = "tokenizer.ggml.";

    private GgufTokenizers() {
    }

    /** A pre-tokenizer with the flags llama.cpp ties to its name. */
    record PreChoice(PreTokenizer type, boolean ignoreMerges, boolean addBos, boolean noBos) {
        PreChoice(PreTokenizer type) {
            this(type, false, false, false);
        }
    }

    static TokenizerSpec spec(GgufMetadata m) {
        String model = m.getString(PREFIX + "model");
        VocabKind kind = switch (model) {
            case "llama" -> VocabKind.SPM;
            case "gpt2" -> VocabKind.BPE;
            case "bert" -> VocabKind.WPM;
            default -> throw new UnsupportedOperationException("tokenizer model '" + model
                    + "' is not supported (supported: llama, gpt2, bert)");
        };
        String[] tokens = m.getStringArray(PREFIX + "tokens");
        TokenType[] types = new TokenType[tokens.length];
        if (m.contains(PREFIX + "token_type")) {
            int[] raw = m.getIntArray(PREFIX + "token_type");
            if (raw.length < tokens.length) {
                throw new IllegalArgumentException(PREFIX + "token_type has " + raw.length + " entries for "
                        + tokens.length + " tokens");
            }
            for (int i = 0; i < tokens.length; i++) {
                types[i] = TokenType.fromGguf(raw[i]);
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        float[] scores = m.contains(PREFIX + "scores") ? m.getFloatArray(PREFIX + "scores") : null;
        String preName = m.getString(PREFIX + "pre", "default");
        PreChoice pre = kind == VocabKind.BPE ? preTokenizer(preName) : null;
        List<String> merges = kind == VocabKind.BPE ? List.of(m.getStringArray(PREFIX + "merges")) : List.of();

        boolean addBos = switch (kind) {
            case SPM, WPM -> true;
            case BPE -> pre.addBos();
        };
        addBos = m.getBoolean(PREFIX + "add_bos_token", addBos);
        boolean addEos = m.getBoolean(PREFIX + "add_eos_token", false);
        boolean spacePrefix = m.getBoolean(PREFIX + "add_space_prefix", kind == VocabKind.SPM);
        boolean lowercase = m.getBoolean(PREFIX + "normalizer.lowercase", true);
        boolean stripAccents = m.getBoolean(PREFIX + "normalizer.strip_accents", lowercase);
        String name = m.getString("general.name", "").toLowerCase(Locale.ROOT);
        boolean rstrip = name.contains("phi-3") || name.contains("phi3");

        TokenizerSpec.SpecialIds ids = specialIds(m, kind, pre, tokens.length);
        return new TokenizerSpec(kind, pre == null ? null : pre.type(), tokens, scores, types, merges, ids,
                addBos, addEos, spacePrefix, pre != null && pre.ignoreMerges(), true,
                kind == VocabKind.SPM, lowercase, stripAccents, rstrip);
    }

    private static TokenizerSpec.SpecialIds specialIds(GgufMetadata m, VocabKind kind, PreChoice pre, int n) {
        int bos = switch (kind) {
            case SPM -> 1;
            case BPE -> pre.noBos() ? -1 : 11;
            case WPM -> id(m, "cls_token_id", 101, n);
        };
        int eos = switch (kind) {
            case SPM -> 2;
            case BPE -> 11;
            case WPM -> -1;
        };
        int unk = switch (kind) {
            case SPM -> 0;
            case BPE -> -1;
            case WPM -> 100;
        };
        int sep = kind == VocabKind.WPM ? 102 : -1;
        return new TokenizerSpec.SpecialIds(
                id(m, "bos_token_id", inRange(bos, n), n),
                id(m, "eos_token_id", inRange(eos, n), n),
                id(m, "eot_token_id", -1, n),
                id(m, "eom_token_id", -1, n),
                id(m, "unknown_token_id", inRange(unk, n), n),
                id(m, "seperator_token_id", inRange(sep, n), n));
    }

    private static int inRange(int id, int n) {
        return id < n ? id : -1;
    }

    /** The id stored under the key, or the default when absent or out of range (as llama.cpp does). */
    private static int id(GgufMetadata m, String key, int def, int n) {
        long v = m.getLong(PREFIX + key, def);
        return v >= 0 && v < n ? (int) v : def;
    }

    static PreChoice preTokenizer(String name) {
        return switch (name) {
            case "default" -> new PreChoice(PreTokenizer.DEFAULT);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2" ->
                    new PreChoice(PreTokenizer.LLAMA3, true, true, false);
            case "dbrx", "smaug-bpe" -> new PreChoice(PreTokenizer.LLAMA3);
            case "deepseek-llm" -> new PreChoice(PreTokenizer.DEEPSEEK_LLM);
            case "deepseek-coder" -> new PreChoice(PreTokenizer.DEEPSEEK_CODER);
            case "deepseek-v3" -> new PreChoice(PreTokenizer.DEEPSEEK3_LLM);
            case "falcon" -> new PreChoice(PreTokenizer.FALCON);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    new PreChoice(PreTokenizer.STARCODER);
            case "gpt-2", "mpt", "olmo", "jais", "trillion", "phi-2", "jina-es", "jina-de", "gigachat",
                 "jina-v2-es", "jina-v2-de", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4",
                 "a.x-4.0", "mellum" -> new PreChoice(PreTokenizer.GPT2);
            case "qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "hunyuan" -> new PreChoice(PreTokenizer.QWEN2);
            case "qwen35" -> new PreChoice(PreTokenizer.QWEN35);
            case "poro-chat", "bloom", "gpt3-finnish" -> new PreChoice(PreTokenizer.PORO);
            case "viking" -> new PreChoice(PreTokenizer.VIKING);
            case "chatglm-bpe", "glm4" -> new PreChoice(PreTokenizer.CHATGLM4, false, false, true);
            case "tekken" -> new PreChoice(PreTokenizer.TEKKEN, true, true, false);
            case "gpt-4o", "llama4" -> new PreChoice(PreTokenizer.GPT4O);
            case "seed-coder" -> new PreChoice(PreTokenizer.SEED_CODER);
            default -> throw new UnsupportedOperationException("pre-tokenizer type '" + name + "' is not supported");
        };
    }
}
