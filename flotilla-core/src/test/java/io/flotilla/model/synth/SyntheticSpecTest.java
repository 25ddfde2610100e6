package io.flotilla.model.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class SyntheticSpecTest {
    @Test
    void presetsHaveTheParameterCountsOfTheirModels() {
        // SmolLM2-135M: 134,515,008 parameters (tied embeddings)
        assertThat(SyntheticModel.parameters(SyntheticSpec.smolLm2_135m(GgmlType.F16))).isEqualTo(134_515_008L);
        // Llama-3.2-1B has 1.236 B with its 128,256-token vocabulary; 96,256 fewer rows of 2048 here
        assertThat(SyntheticModel.parameters(SyntheticSpec.llama32_1b(GgmlType.F16)))
                .isEqualTo(1_235_814_400L - 96_256L * 2048);
    }

    @Test
    void mixtralStyleIsAboutOneGigabyteInQ4_0() {
        assertThat(SyntheticModel.tensorBytes(SyntheticSpec.mixtralStyle(GgmlType.Q4_0)))
                .isCloseTo(1_000_000_000L, Percentage.withPercentage(10));
    }

    @Test
    void everyPresetNameResolves() {
        for (String name : SyntheticSpec.PRESETS) {
            assertThat(SyntheticSpec.preset(name, GgmlType.Q8_0).type()).isEqualTo(GgmlType.Q8_0);
        }
        assertThatThrownBy(() -> SyntheticSpec.preset("gpt-5", GgmlType.F16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gpt-5");
    }
}
