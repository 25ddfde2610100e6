package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
    @Test
    void readsTheResidentFiguresInBytes() {
        ProcessMemory m = ProcessMemory.parse(List.of("Name:\tjava", "VmPeak:\t 9000 kB", "VmRSS:\t  1500 kB",
                "RssAnon:\t    1000 kB", "RssFile:\t     400 kB", "RssShmem:\t 100 kB"));
        assertThat(m).isEqualTo(new ProcessMemory(1500 * 1024, 1000 * 1024, 400 * 1024));
    }

    @Test
    void aMissingLineIsNamed() {
        assertThatThrownBy(() -> ProcessMemory.parse(List.of("VmRSS:\t 1 kB"))).hasMessageContaining("RssAnon");
    }

    @Test
    void thisProcessHasResidentMemory() {
        ProcessMemory.read().ifPresent(m -> assertThat(m.rssBytes()).isGreaterThanOrEqualTo(m.rssAnonBytes()).isPositive());
    }
}
