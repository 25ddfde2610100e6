package io.flotilla.train.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PieceTokenizerTest {

    @Test
    void charVocabularyHasSpecialsThenBytesThenOnePiecePerSymbol() {
        PieceTokenizer t = PieceTokenizer.chars("hello world\n");
        assertThat(t.symbolCount()).isEqualTo(9); // \n ▁ d e h l o r w
        assertThat(t.vocabSize()).isEqualTo(3 + 256 + 9);
        assertThat(t.pieces().subList(0, 4)).containsExactly("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(t.pieces()).contains("\u2581", "\n").doesNotContain(" ");
        assertThat(t.tokenTypes()[0]).isEqualTo(PieceTokenizer.TYPE_UNKNOWN);
        assertThat(t.tokenTypes()[3 + 'a']).isEqualTo(PieceTokenizer.TYPE_BYTE);
        assertThat(t.tokenTypes()[PieceTokenizer.FIRST_PIECE]).isEqualTo(PieceTokenizer.TYPE_NORMAL);
    }

    @Test
    void charEncodingIsOneTokenPerCharacterAndRoundTrips() {
        PieceTokenizer t = PieceTokenizer.chars("hello world\n");
        int[] ids = t.encode("hello world\nold");
        assertThat(ids).hasSize(15);
        assertThat(java.util.Arrays.stream(ids).min().orElseThrow()).isGreaterThanOrEqualTo(PieceTokenizer.FIRST_PIECE);
        assertThat(t.decode(ids)).isEqualTo("hello world\nold");
    }

    @Test
    void unknownCharactersFallBackToTheirUtf8Bytes() {
        PieceTokenizer t = PieceTokenizer.chars("abc");
        int[] ids = t.encode("aé");
        assertThat(ids).containsExactly(t.pieces().indexOf("a"), 3 + 0xC3, 3 + 0xA9);
        assertThat(t.decode(ids)).isEqualTo("aé");
    }

    @Test
    void byteTokenizerEncodesAnyTextAndRoundTrips() {
        PieceTokenizer t = PieceTokenizer.bytes();
        assertThat(t.vocabSize()).isEqualTo(260);
        String text = "héllo 世界\n\ttab";
        int[] ids = t.encode(text);
        assertThat(ids[0]).isEqualTo(3 + 'h');
        assertThat(ids).contains(PieceTokenizer.FIRST_PIECE); // the space, as ▁
        assertThat(t.decode(ids)).isEqualTo(text);
    }

    @Test
    void chunksStartAtSpacesAndIsolateNewlines() {
        assertThat(PieceTokenizer.chunks("ab cd\n\nef  g"))
                .containsExactly("ab", "\u2581cd", "\n", "\n", "ef", "\u2581", "\u2581g");
    }
}
