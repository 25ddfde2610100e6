package io.flotilla.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaCppServerClientTest {
    @TempDir
    Path tmp;

    @Test
    void parallelSlotsServeTheBenchmarksRequests() throws Exception {
        Path file = tmp.resolve("tiny.gguf");
        SyntheticModel.write(SyntheticSpec.tiny(SyntheticArch.LLAMA).withType(GgmlType.Q8_0), file);
        try (LlamaCppServerClient client = new LlamaCppServerClient(file, 2, 1, 256)) {
            ServeBenchStats s = ServeBench.run(new ServeBenchConfig(4, 2, 0, 12, 6, 4, 1, 0, 0), client);
            assertThat(s.errors()).as(String.valueOf(s.errorSamples())).isZero();
            assertThat(s.completed()).isEqualTo(4);
            assertThat(s.outputTokens()).isBetween(4L * 5, 4L * 6); // held-back text counts; the final response may carry one
            assertThat(s.ttftMs().p50()).isPositive();
            assertThat(s.e2eMs().p50()).isGreaterThanOrEqualTo(s.ttftMs().p50());
            assertThat(client.toString()).contains("2 slots");
        }
    }

    @Test
    void aMissingModelIsNamed() {
        assertThatThrownBy(() -> new LlamaCppServerClient(tmp.resolve("none.gguf"), 2, 1, 64))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("none.gguf");
    }
}
