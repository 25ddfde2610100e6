package io.flotilla.cli;

import io.flotilla.generate.LocalModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "the GGUF model file (default: Flotilla's demo model, " + DefaultModel.RELATIVE_PATH + ")")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "compute threads (default: this machine's cores, ${DEFAULT-VALUE})")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-c", "--ctx"}, paramLabel = "N",
            description = "context length in tokens (default: the model's, at most " + LocalModel.DEFAULT_MAX_CONTEXT + ")")
    int ctx;

    /** The model file: {@code --model}, else the demo model ({@link DefaultModel}). */
    Path path() throws IOException {
        return DefaultModel.orDefault(model);
    }

    LocalModel open() throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        if (ctx < 0) {
            throw new IllegalArgumentException("--ctx must be positive, got " + ctx);
        }
        return LocalModel.open(path(), threads);
    }
}
