/**
 * Helpers that the tests of several modules share (each module takes the testkit at test scope):
 * {@link io.flotilla.testkit.SharedData} finds ../shared and skips a test when a file it needs is
 * absent; {@link io.flotilla.testkit.FreePorts} hands out free loopback ports for processes and
 * members that must know their port up front. Sub-packages: {@code llamacpp} (llama.cpp as oracle
 * and baseline) and {@code trace} (an in-memory span exporter).
 *
 * <pre>{@code
 * Path model = SharedData.tinyStoriesGguf();       // skipped without ../shared
 * int[] ports = FreePorts.loopback(3);             // distinct, free a moment ago
 * }</pre>
 */
package io.flotilla.testkit;
