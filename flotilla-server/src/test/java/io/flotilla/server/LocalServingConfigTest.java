package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocalServingConfigTest {
    private static final long TOKEN = 32 * 1024; // a 1B-shape model: 16 layers × 2 × 512 × F16

    @Test
    void kvBlocksDefaultToFullContextsCappedByTheDefaultMemory() {
        LocalServingConfig c = LocalServingConfig.defaults(2);
        assertThat(c.prefixCaching()).isTrue();
        assertThat(c.withMaxNumSeqs(2).effectiveKvBlocks(1024, TOKEN)).isEqualTo(2 * 64);
        assertThat(c.effectiveKvBlocks(4096, TOKEN)).isEqualTo((int) (LocalServingConfig.DEFAULT_KV_MEMORY / (TOKEN * 16)));
        assertThat(c.effectiveKvBlocks(4096, TOKEN * 1024)).as("never below one context").isEqualTo(256);
    }

    @Test
    void explicitBlocksOrMemoryWin() {
        LocalServingConfig c = LocalServingConfig.defaults(2);
        assertThat(c.withKvBlocks(7).effectiveKvBlocks(4096, TOKEN)).isEqualTo(7);
        LocalServingConfig mem = new LocalServingConfig(null, 2, 0, 16, 0, 0, 64L << 20, true);
        assertThat(mem.effectiveKvBlocks(1024, TOKEN)).isEqualTo(128);
        assertThatThrownBy(() -> mem.effectiveKvBlocks(4096, TOKEN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("128 blocks").hasMessageContaining("needs 256");
    }
}
