package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ChatCommandTest {
    @Test
    void answersEachLineAndQuitsOnExit() {
        Path model = Path.of(System.getProperty("flotilla.shared", "../shared"),
                "models/tinystories-656k/TinyStories-656K-Q8_0.gguf").toAbsolutePath().normalize();
        assumeTrue(Files.exists(model), "../shared not found: skipping");
        CliRun run = CliRun.withInput("Tell me a story.\n\n/reset\nOnce upon a time\n/exit\n", "chat", "--model",
                model.toString(), "--max-tokens", "12", "--temperature", "0", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Chatting with", "(conversation forgotten)");
        assertThat(run.out().split("> ", -1)).as(run.out()).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void endOfInputEndsTheSession() {
        Path model = Path.of(System.getProperty("flotilla.shared", "../shared"),
                "models/tinystories-656k/TinyStories-656K-Q8_0.gguf").toAbsolutePath().normalize();
        assumeTrue(Files.exists(model), "../shared not found: skipping");
        CliRun run = CliRun.withInput("", "chat", "--model", model.toString(), "--threads", "1");
        assertThat(run.exitCode()).isZero();
    }
}
