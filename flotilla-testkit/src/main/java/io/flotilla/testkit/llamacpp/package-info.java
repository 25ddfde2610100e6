/**
 * llama.cpp, through the C API of the native library in {@code de.kherud:llama}, as the reference
 * Flotilla is measured against: the parity oracle of flotilla-core's tests and the baseline of
 * flotilla-bench's engine and serving benchmarks. {@link io.flotilla.testkit.llamacpp.LlamaCppLibrary}
 * binds the functions; {@link io.flotilla.testkit.llamacpp.LlamaCppContext} owns one model, context
 * and batch.
 */
package io.flotilla.testkit.llamacpp;
