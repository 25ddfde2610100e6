package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every vocab-only GGUF loads, including those without test vectors (baichuan, gpt-neox), and round-trips text. */
class GgufVocabLoadTest {
    private static final String TEXT = "Hello world! It's 2026, and the café serves 3 kinds of tea.\n\tDone.";

    static Stream<Path> ggufs() throws IOException {
        try (Stream<Path> files = Files.list(VocabTestFiles.shared().resolve("vocab-tests"))) {
            return files.filter(f -> f.toString().endsWith(".gguf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ggufs")
    void loadsAndRoundTrips(Path gguf) throws IOException {
        Tokenizer t;
        try (GgufFile f = GgufFile.open(gguf)) {
            t = Tokenizer.fromGguf(f.metadata());
        }
        int[] ids = t.encode(TEXT, true, false);
        assertThat(ids).isNotEmpty();
        assertThat(t.vocabSize()).isGreaterThan(1000);
        if (!gguf.getFileName().toString().contains("bert")) {
            int[] plain = t.encode(TEXT, false, false);
            assertThat(t.decode(plain)).isEqualTo(TEXT);
        }
        assertThat(t.isEndOfGeneration(t.eos()) || t.eos() < 0).isTrue();
    }
}
