package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import org.junit.jupiter.api.Test;

/** The {@code flotilla.pack} setting. */
class PackedWeightsTest {
    @Test
    void namesTheTypesToPack() {
        assertThat(PackedWeights.parse("Q4_0")).containsExactly(GgmlType.Q4_0);
        assertThat(PackedWeights.parse("q4_0, Q8_0")).containsExactlyInAnyOrder(GgmlType.Q4_0, GgmlType.Q8_0);
        assertThat(PackedWeights.parse("false")).isEmpty();
        assertThat(PackedWeights.parse("")).isEmpty();
    }

    @Test
    void refusesTypesWithoutPackedKernel() {
        assertThatThrownBy(() -> PackedWeights.parse("Q4_K")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q4_K");
    }
}
