package io.flotilla.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class SharedDataTest {
    @Test
    void theRealModelIsAnAbsolutePathUnderTheFolder() {
        assertThat(SharedData.tinyStoriesGguf()).isAbsolute().isRegularFile().startsWith(SharedData.dir());
    }

    @Test
    void aMissingFileSkipsTheTestNamingTheFile() {
        SharedData.dir();
        assertThat(Files.exists(SharedData.dir().resolve("no/such.gguf"))).isFalse();
        assertThatThrownBy(() -> SharedData.file("no/such.gguf")).isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("no/such.gguf");
    }
}
