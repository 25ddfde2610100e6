package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufValue;
import io.flotilla.gguf.GgufValueType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Special tokens in text, BOS/EOS, end-of-generation tokens and unsupported vocabularies. */
class SpecialTokenTest {

    @Test
    void llama3ControlTokensParseOnlyWhenAsked() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-bpe");
        String text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
        assertThat(t.encode(text, true, true)).containsExactly(128000, 128006, 882, 128007, 271, 13347, 128009);
        int[] plain = t.encode(text, false, false);
        assertThat(plain).doesNotContain(128006, 128007, 128009);
        assertThat(t.decode(plain)).isEqualTo(text);
        assertThat(t.decode(new int[] {128000, 13347, 128009})).isEqualTo("Hi"); // control tokens print nothing
    }

    @Test
    void llama3EndOfGeneration() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-bpe");
        assertThat(t.addBos()).isTrue();
        assertThat(t.bos()).isEqualTo(128000);
        assertThat(t.isEndOfGeneration(128009)).as("<|eot_id|>").isTrue();
        assertThat(t.isEndOfGeneration(128001)).as("<|end_of_text|>").isTrue();
        assertThat(t.eos()).isEqualTo(128001);
        assertThat(t.isEndOfGeneration(128008)).as("<|reserved_special_token_4|>").isFalse();
        assertThat(t.isEndOfGeneration(9906)).isFalse();
    }

    @Test
    void qwenChatTokens() {
        Tokenizer t = VocabTestFiles.tokenizer("qwen2");
        assertThat(t.addBos()).isFalse();
        assertThat(t.bos()).isEqualTo(-1);
        assertThat(t.eos()).isEqualTo(151645);
        assertThat(t.isEndOfGeneration(151645)).as("<|im_end|>").isTrue();
        assertThat(t.isEndOfGeneration(151643)).as("<|endoftext|>").isTrue();
        int[] ids = t.encode("<|im_start|>user\nhello<|im_end|>", true, true);
        assertThat(ids[0]).isEqualTo(151644);
        assertThat(ids[ids.length - 1]).isEqualTo(151645);
    }

    @Test
    void spmAddsBosAndSpacePrefixAfterSpecialTokens() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-spm");
        int[] hello = t.encode("Hello", false, false);
        assertThat(t.encode("Hello", true, false)).startsWith(1).endsWith(hello);
        // a control token in the text: the text after it gets its own space prefix
        int[] ids = t.encode("Hello</s>Hello", false, true);
        assertThat(ids).containsExactly(concat(hello, new int[] {2}, hello));
    }

    @Test
    void wordPieceAddsClsAndSep() {
        Tokenizer t = VocabTestFiles.tokenizer("bert-bge");
        int[] ids = t.encode("Hello world", true, false);
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
    }

    @Test
    void unsupportedModelAndPreTokenizerAreNamed() {
        GgufMetadata t5 = new GgufMetadata(Map.of("tokenizer.ggml.model", GgufValue.of(GgufValueType.STRING, "t5"),
                "tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, new String[] {"a"})));
        assertThatThrownBy(() -> Tokenizer.fromGguf(t5)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("'t5'");
        GgufMetadata odd = new GgufMetadata(Map.of("tokenizer.ggml.model", GgufValue.of(GgufValueType.STRING, "gpt2"),
                "tokenizer.ggml.pre", GgufValue.of(GgufValueType.STRING, "no-such-pre"),
                "tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, new String[] {"a"}),
                "tokenizer.ggml.merges", GgufValue.array(GgufValueType.STRING, new String[0])));
        assertThatThrownBy(() -> Tokenizer.fromGguf(odd)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("'no-such-pre'");
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
