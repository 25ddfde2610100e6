package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every vocabulary with llama.cpp test vectors tokenizes every input to llama.cpp's ids, with the
 * settings of llama.cpp's tests/test-tokenizer-0 (add_special = false, parse_special = false).
 */
class LlamaCppVocabTest {
    /** Test vectors whose vocabulary is not among the shared files. */
    private static final Set<String> NO_VOCAB = Set.of("command-r", "gemma-4", "qwen35");

    static Stream<String> vocabs() {
        return VocabTestFiles.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabs")
    void matchesLlamaCpp(String name) throws Exception {
        Tokenizer tokenizer = tokenizerOrSkip(name);
        List<VocabTestFiles.Case> cases = VocabTestFiles.cases(name);
        List<String> failures = new ArrayList<>();
        for (VocabTestFiles.Case c : cases) {
            int[] actual = tokenizer.encode(c.input(), false, false);
            if (!Arrays.equals(actual, c.expected())) {
                failures.add("#" + c.index() + " '" + c.input() + "'\n  expected " + Arrays.toString(c.expected())
                        + "\n  actual   " + Arrays.toString(actual));
            }
        }
        System.out.printf("vocab %-16s %d/%d lines pass%n", name, cases.size() - failures.size(), cases.size());
        if (!failures.isEmpty()) {
            fail(name + ": " + failures.size() + " of " + cases.size() + " inputs differ:\n" + String.join("\n", failures));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabs")
    void decodeRoundTripsAndStreamingAgrees(String name) throws Exception {
        Tokenizer tokenizer = tokenizerOrSkip(name);
        boolean lossless = !name.startsWith("bert");
        for (VocabTestFiles.Case c : VocabTestFiles.cases(name)) {
            int[] ids = tokenizer.encode(c.input(), false, false);
            String decoded = tokenizer.decode(ids);
            if (lossless) {
                assertThat(decoded).as("%s #%d", name, c.index()).isEqualTo(c.input());
            }
            StreamingDetokenizer stream = new StreamingDetokenizer(tokenizer);
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(stream.accept(id));
            }
            streamed.append(stream.flush());
            assertThat(streamed.toString()).as("%s #%d streamed", name, c.index()).isEqualTo(decoded);
        }
    }

    /** Qwen3 ships the Qwen2 vocabulary and regex in one tokenizer.json: the qwen2 vectors hold for it too. */
    @org.junit.jupiter.api.Test
    void qwen3TokenizerJsonMatchesQwen2Vectors() throws Exception {
        Tokenizer qwen3 = Tokenizer.fromHuggingFace(VocabTestFiles.shared().resolve("tokenizers/qwen3/tokenizer.json"));
        for (VocabTestFiles.Case c : VocabTestFiles.cases("qwen2")) {
            assertThat(qwen3.encode(c.input(), false, false)).as("#%d '%s'", c.index(), c.input())
                    .containsExactly(c.expected());
        }
        assertThat(qwen3.eos()).isEqualTo(151645);
        assertThat(qwen3.addBos()).isFalse();
    }

    private static Tokenizer tokenizerOrSkip(String name) {
        if (NO_VOCAB.contains(name)) {
            abort("no vocabulary for '" + name + "' in ../shared (only its test vectors)");
        }
        Tokenizer t = VocabTestFiles.tokenizer(name);
        if (t == null) {
            fail("no vocabulary found for test vectors '" + name + "'");
        }
        return t;
    }
}
