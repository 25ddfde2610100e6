package io.flotilla.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BpeTrainerTest {

    private static final String TEXT = "the cat sat on the mat. the cat ate the rat. then the cat sat.\n".repeat(20);

    @Test
    void learnsMergesUpToTheRequestedVocabulary() {
        PieceTokenizer chars = PieceTokenizer.chars(TEXT);
        PieceTokenizer bpe = BpeTrainer.train(TEXT, chars.vocabSize() + 12);
        assertThat(bpe.vocabSize()).isEqualTo(chars.vocabSize() + 12);
        assertThat(bpe.kind()).isEqualTo(PieceTokenizer.Kind.BPE);
        // the most frequent pair is learned first and scores highest among merges
        float[] scores = bpe.scores();
        int first = chars.vocabSize();
        assertThat(scores[first]).isGreaterThan(scores[first + 1]);
        assertThat(bpe.pieces()).contains("\u2581the", "\u2581cat");
    }

    @Test
    void encodesShorterThanCharactersAndRoundTrips() {
        PieceTokenizer chars = PieceTokenizer.chars(TEXT);
        PieceTokenizer bpe = BpeTrainer.train(TEXT, chars.vocabSize() + 100);
        String probe = "the rat sat on the cat.\nzebra!";
        int[] ids = bpe.encode(probe);
        assertThat(ids.length).isLessThan(chars.encode(probe).length);
        assertThat(bpe.decode(ids)).isEqualTo(probe);
        assertThat(bpe.pieces()).noneMatch(p -> p.length() > 1 && p.indexOf('\u2581', 1) > 0);
    }

    @Test
    void stopsEarlyWhenNoPairRepeats() {
        PieceTokenizer chars = PieceTokenizer.chars(TEXT);
        PieceTokenizer bpe = BpeTrainer.train(TEXT, chars.vocabSize() + 1000);
        assertThat(bpe.vocabSize()).isBetween(chars.vocabSize() + 12, chars.vocabSize() + 100);
        assertThat(bpe.encode("the cat sat on the mat.")).hasSize(6);
    }

    @Test
    void rejectsAVocabularyTooSmallForTheCharacters() {
        assertThatThrownBy(() -> BpeTrainer.train(TEXT, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100");
    }
}
