/**
 * llama.cpp as a benchmark baseline: its C API inside the {@code de.kherud:llama} artifact
 * (bound in flotilla-testkit) as an engine target ({@link io.flotilla.bench.llamacpp.LlamaCppEngine}),
 * and an external {@code llama-bench} binary run as a process
 * ({@link io.flotilla.bench.llamacpp.LlamaBenchProcess}).
 */
package io.flotilla.bench.llamacpp;
