package io.flotilla.model.synth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticVocabTest {
    @Test
    void startsWithSpecialAndByteTokensThenDistinctPiecesWithDescendingScores() {
        SyntheticVocab v = SyntheticVocab.generate(2048);
        assertThat(v.size()).isEqualTo(2048);
        assertThat(List.of(v.tokens()).subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(v.tokens()[3]).isEqualTo("<0x00>");
        assertThat(v.tokens()[3 + 0x0A]).isEqualTo("<0x0A>");
        assertThat(v.tokens()[258]).isEqualTo("<0xFF>");
        assertThat(v.types()[1]).isEqualTo(SyntheticVocab.CONTROL);
        assertThat(v.types()[100]).isEqualTo(SyntheticVocab.BYTE);
        assertThat(v.types()[300]).isEqualTo(SyntheticVocab.NORMAL);
        assertThat(new HashSet<>(List.of(v.tokens()))).hasSize(2048);
        boolean descending = true;
        for (int i = 260; i < v.size(); i++) {
            descending &= v.scores()[i] < v.scores()[i - 1];
        }
        assertThat(descending).as("piece scores strictly descending").isTrue();
        assertThat(List.of(v.tokens())).contains("\u2581t", "\u2581th", "\u2581the");
    }

    @Test
    void reachesTheLargestPresetVocabulary() {
        assertThat(new HashSet<>(List.of(SyntheticVocab.generate(49152).tokens()))).hasSize(49152);
    }
}
