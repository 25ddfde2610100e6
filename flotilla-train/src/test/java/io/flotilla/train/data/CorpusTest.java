package io.flotilla.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {

    @Test
    void firstNinetyPercentTrainsLastTenValidates(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("text.txt");
        Files.writeString(file, "\uFEFF" + "abcdefghij".repeat(10));
        Corpus corpus = Corpus.load(file, "char");
        assertThat(corpus.train()).hasSize(90);
        assertThat(corpus.validation()).hasSize(10);
        assertThat(corpus.tokenizer().decode(corpus.validation())).isEqualTo("abcdefghij");
        assertThat(corpus.tokenizer().symbolCount()).isEqualTo(10); // the BOM is not a symbol
    }

    @Test
    void tokenizerSpecsAreParsed() {
        String text = "aaab aaab aab\n".repeat(5);
        assertThat(Corpus.tokenizer("byte", text).kind()).isEqualTo(PieceTokenizer.Kind.BYTE);
        assertThat(Corpus.tokenizer("char", text).kind()).isEqualTo(PieceTokenizer.Kind.CHAR);
        assertThat(Corpus.tokenizer("bpe:266", text).vocabSize()).isEqualTo(266);
        assertThatThrownBy(() -> Corpus.tokenizer("words", text)).hasMessageContaining("words");
        assertThatThrownBy(() -> Corpus.tokenizer("bpe:x", text)).hasMessageContaining("bpe:x");
    }

    @Test
    void validationWindowsAreFixedBySeed() {
        int[] tokens = java.util.stream.IntStream.range(0, 500).toArray();
        ValidationSet a = new ValidationSet(tokens, 16, 5, 9);
        ValidationSet b = new ValidationSet(tokens, 16, 5, 9);
        int[] ia = new int[5 * 16];
        int[] ib = new int[5 * 16];
        int[] oa = new int[5 * 16];
        a.batch(0, 5, ia, oa);
        b.batch(0, 5, ib, new int[5 * 16]);
        assertThat(ia).isEqualTo(ib);
        assertThat(oa[0]).isEqualTo(ia[0] + 1);
    }
}
