package io.flotilla.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The BPE pre-tokenizers of llama.cpp (GGUF {@code tokenizer.ggml.pre}): each is a list of regexes
 * applied one after the other, every regex splitting the pieces the previous ones left.
 */
enum PreTokenizer {
    /** No splitting: the whole text is one word (SentencePiece-style BPE from Hugging Face files). */
    NONE(),
    DEFAULT(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            SplitStage.GPT2_REGEX,
            "\\p{N}+",
            "[0-9][0-9][0-9]"),
    LLAMA3(SplitStage.LLAMA3_REGEX),
    DEEPSEEK_LLM(
            "[\r\n]",
            "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
            "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
            "\\s+$",
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}+"),
    DEEPSEEK_CODER(
            "[\r\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}"),
    FALCON(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+",
            SplitStage.GPT2_REGEX,
            "[0-9][0-9][0-9]"),
    /** starcoder, refact, command-r, smollm, codeshell, exaone, minerva. */
    STARCODER("\\p{N}", SplitStage.GPT2_REGEX),
    /** gpt-2, mpt, olmo, jais, trillion, and the phi-2 / jina / roberta family. */
    GPT2(SplitStage.GPT2_REGEX),
    /** qwen2, stablelm2, hunyuan, deepseek-r1-qwen, megrez. */
    QWEN2("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    QWEN35("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** poro-chat, bloom, gpt3-finnish. */
    PORO(" ?[^(\\s|.,!?…。，、।۔،)]+"),
    VIKING(" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"),
    CHATGLM4(SplitStage.LLAMA3_REGEX),
    DEEPSEEK3_LLM(
            "\\p{N}{1,3}",
            "[一-龥぀-ゟ゠-ヿ]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
    TEKKEN("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** gpt-4o, llama4. */
    GPT4O("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + PreTokenizer.CONTRACTIONS + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + PreTokenizer.CONTRACTIONS + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    SEED_CODER("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}"
            + "| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    private final List<String> regexes;
    private volatile List<SplitStage> stages;

    PreTokenizer(String... regexes) {
        this.regexes = List.of(regexes);
    }

    /** Splits {@code text} into pre-tokens (plain text, not yet byte-mapped). */
    List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        List<String> words = new ArrayList<>();
        if (cps.length == 0) {
            return words;
        }
        IntList chunks = new IntList(1);
        chunks.add(cps.length);
        for (SplitStage stage : stages()) {
            chunks = stage.apply(cps, chunks);
        }
        int start = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int len = chunks.get(i);
            words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }

    private List<SplitStage> stages() {
        List<SplitStage> s = stages;
        if (s == null) {
            s = regexes.stream().map(SplitStage::of).toList();
            stages = s;
        }
        return s;
    }
}
