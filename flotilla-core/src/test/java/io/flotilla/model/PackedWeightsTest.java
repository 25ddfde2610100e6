package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.kernel.Compute;
import io.flotilla.quant.Quantizer;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Random;
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

    @Test
    void hugePageCopyKeepsTheBytesAndTheLayout() {
        float[] f = new float[8 * 64];
        Random r = new Random(4);
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) r.nextGaussian();
        }
        WeightMatrix w = WeightMatrix.of(GgmlType.Q4_0, MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q4_0, f)), 8, 64);
        boolean before = PackedWeights.nativeHugePages;
        PackedWeights.nativeHugePages = true;
        try {
            WeightMatrix c = PackedWeights.of(w);
            if (Compute.readsInPlace(w)) {
                assertThat(c).isNotSameAs(w);
                assertThat(c.packed()).isFalse();
                assertThat(c.data().mismatch(w.data())).isEqualTo(-1L);
            } else {
                assertThat(c.data().byteSize()).isEqualTo(w.data().byteSize()); // packed or as is
            }
        } finally {
            PackedWeights.nativeHugePages = before;
        }
    }
}
