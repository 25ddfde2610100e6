/**
 * Matrix products of the weight formats and the threads that run them.
 *
 * <p>{@link io.flotilla.kernel.Compute} is the entry point: {@code matMul} splits a product's rows
 * across its threads and picks, per call:
 * <ul>
 *   <li>products of 4 or more tokens: the float GEMM ({@code Gemm}), or with batch invariance
 *       ({@code -Dflotilla.batchInvariant=true}) the one-token path below for every token;</li>
 *   <li>one-token products (decode) of Q4_0, Q8_0, Q4_K and Q6_K weights: Flotilla's native
 *       kernels ({@code NativeMatVec} over {@link io.flotilla.kernel.NativeKernels}), C compiled at
 *       build time into {@code libflotilla_kernels.so} and called through FFM downcalls, reading the
 *       weights in place from the mapped GGUF file with 8-bit activations ({@code Activations}:
 *       Q8_0 blocks, Q8_K for K-quants); they use {@code vpdpbusd} (AVX-VNNI / AVX512-VNNI) or
 *       {@code vpmaddubsw} + {@code vpmaddwd} (AVX2), which the Vector API cannot express;</li>
 *   <li>everything else, and every product when the library is absent or
 *       {@code -Dflotilla.native=false}: the Vector API kernels ({@code DotKernel} subclasses, one
 *       per format, with {@code dot4} and the packed layout of {@code PackedKernel}).</li>
 * </ul>
 * Every fast kernel has a scalar twin ({@code dotScalar}, {@code new Compute(threads, false)}) that
 * the tests compare it with. The native code starts no threads: each Compute thread calls it for
 * its own rows.
 */
package io.flotilla.kernel;
