package io.flotilla.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    @Test
    void releasesTextThatCannotStartAStopString() {
        StopMatcher m = new StopMatcher(List.of("END"));
        assertThat(m.accept("hello ")).isEqualTo("hello ");
        assertThat(m.accept("wor")).isEqualTo("wor");
        assertThat(m.stopped()).isFalse();
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void holdsBackAPossibleStartAndStopsOnTheFullString() {
        StopMatcher m = new StopMatcher(List.of("\n\nUser:"));
        assertThat(m.accept("Sure.\n")).isEqualTo("Sure.");
        assertThat(m.accept("\nUs")).isEmpty();
        assertThat(m.accept("er: next")).isEmpty();
        assertThat(m.stopped()).isTrue();
        assertThat(m.accept("more")).isEmpty();
    }

    @Test
    void releasesHeldTextWhenItTurnsOutNotToBeAStop() {
        StopMatcher m = new StopMatcher(List.of("ab"));
        assertThat(m.accept("xa")).isEqualTo("x");
        assertThat(m.accept("c")).isEqualTo("ac");
        assertThat(m.accept("a")).isEmpty();
        assertThat(m.flush()).isEqualTo("a");
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopMatcher m = new StopMatcher(List.of("world", "lo w"));
        assertThat(m.accept("hello world")).isEqualTo("hel");
        assertThat(m.stopped()).isTrue();
    }

    @Test
    void emptyStopIsRefused() {
        assertThatThrownBy(() -> new StopMatcher(List.of(""))).isInstanceOf(IllegalArgumentException.class);
    }
}
