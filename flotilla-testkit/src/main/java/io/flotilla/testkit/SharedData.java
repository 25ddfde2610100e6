package io.flotilla.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates ../shared (real models, tokenizers, test vectors, corpora) through the system property
 * {@code flotilla.shared} that surefire sets, else {@code ../shared} of the working directory. A
 * test that needs a file there is skipped (a JUnit assumption) when it is absent, as on a user's
 * machine.
 */
public final class SharedData {
    /** The real TinyStories-656K model (Q8_0), relative to ../shared. */
    public static final String TINY_STORIES = "models/tinystories-656k/TinyStories-656K-Q8_0.gguf";

    private SharedData() {}

    /** The folder, as an absolute path; skips the test when it is absent. */
    public static Path dir() {
        Path p = Path.of(System.getProperty("flotilla.shared", "../shared")).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(p), "../shared not found at " + p + ": skipping a test that needs real data");
        return p;
    }

    /** A file under ../shared, as an absolute path; skips the test when it is absent. */
    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        assumeTrue(Files.exists(p), relative + " not found under " + dir() + ": skipping");
        return p;
    }

    /** The real TinyStories-656K model (Q8_0); skips the test when it is absent. */
    public static Path tinyStoriesGguf() {
        return file(TINY_STORIES);
    }
}
