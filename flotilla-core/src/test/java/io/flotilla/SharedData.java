package io.flotilla;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (real models, tokenizers, test vectors); tests that need it skip when absent. */
public final class SharedData {
    private SharedData() {}

    public static Path dir() {
        String prop = System.getProperty("flotilla.shared", "../shared");
        Path p = Path.of(prop).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(p), "../shared not found at " + p + ": skipping a test that needs real data");
        return p;
    }

    /** A file under ../shared; the test is skipped when it is absent. */
    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        assumeTrue(Files.exists(p), relative + " not found under " + dir() + ": skipping");
        return p;
    }

    public static Path tinyStoriesGguf() {
        return file("models/tinystories-656k/TinyStories-656K-Q8_0.gguf");
    }
}
