package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatCommandTest {
    @Test
    void answersEachLineAndQuitsOnExit() {
        String model = CliRun.tinyStories();
        CliRun run = CliRun.withInput("Tell me a story.\n\n/reset\nOnce upon a time\n/exit\n", "chat", "--model",
                model, "--max-tokens", "12", "--temperature", "0", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Chatting with", "(conversation forgotten)");
        assertThat(run.out().split("> ", -1)).as(run.out()).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void endOfInputEndsTheSession() {
        String model = CliRun.tinyStories();
        CliRun run = CliRun.withInput("", "chat", "--model", model, "--threads", "1");
        assertThat(run.exitCode()).isZero();
    }
}
