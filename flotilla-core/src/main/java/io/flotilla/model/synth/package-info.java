/**
 * Synthetic models: GGUF files of real shapes with seeded random weights, for speed work and for
 * correctness checks against llama.cpp when no trained model of that shape is at hand.
 *
 * <pre>{@code
 * SyntheticModelStats st = SyntheticModel.write(SyntheticSpec.preset("mixtral-style", GgmlType.Q4_0), path);
 * }</pre>
 *
 * <p>The layout (tensor names, shapes, which tensors stay F32, metadata keys, a SentencePiece
 * vocabulary with byte fallback) is what llama.cpp's converter and quantizer produce, so llama.cpp
 * loads the {@code llama}, Mixtral-style and {@code qwen2}/{@code qwen2moe} files (the oracle tests
 * check this); {@code qwen3}/{@code qwen3moe} follow llama.cpp's loader for those architectures.
 * Weight scales keep activations near unit size and give the next-token distribution a clear but
 * not degenerate argmax, so greedy decoding does not repeat one token.
 */
package io.flotilla.model.synth;
