package io.flotilla.bench;

import java.nio.file.Path;

/** What the engine benchmark compares Flotilla with, in the same run. */
public sealed interface EngineBaseline {
    /** Flotilla alone. */
    record None() implements EngineBaseline {}

    /** llama.cpp inside the {@code de.kherud:llama} artifact, called through its C API. */
    record LlamaCppLibrary() implements EngineBaseline {}

    /** A {@code llama-bench} binary, started once per repeat. */
    record LlamaBench(Path binary) implements EngineBaseline {}
}
