/**
 * End-to-end benchmarks anyone can rerun with one command. {@link io.flotilla.bench.EngineBench}
 * times prefill and decode of one model against a baseline measured in the same run (an
 * {@link io.flotilla.bench.EngineTarget} each: Flotilla, llama.cpp through {@code de.kherud:llama},
 * or a {@code llama-bench} binary), with start-up time and resident memory;
 * {@link io.flotilla.bench.serve} loads a serving endpoint. Library code: results come back as
 * {@code *Stats} records, the CLI prints them.
 */
package io.flotilla.bench;
