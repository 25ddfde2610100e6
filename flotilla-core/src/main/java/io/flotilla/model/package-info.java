/**
 * The forward pass of decoder-only transformers read from GGUF files, one class per architecture
 * in {@code io.flotilla.model.arch} ({@code llama} incl. Mixtral-style MoE, {@code qwen2},
 * {@code qwen2moe}, {@code qwen3}, {@code qwen3moe}).
 *
 * <pre>{@code
 * Model model = Model.load(gguf, compute);              // hyper-parameters: model.config()
 * InferenceState s = model.newState(contextLength);     // KV cache (F16, as llama.cpp) + scratch
 * float[] logits = model.forward(s, prompt, 0, prompt.length, false); // batched prefill, last logits
 * logits = model.forward(s, new int[] {next}, 0, 1, false);           // decode, s.position() advances
 * }</pre>
 *
 * <p>Pipeline parallelism: {@code model.stage(first, last)} is a layer range with its own
 * {@code newState}; the first stage {@code embed}s tokens into a hidden-state buffer
 * ({@code n × dim}), each stage runs {@code forward(state, hidden, n)} on it, the last one turns it
 * into {@code logits}. Stages composed over a split give the same logits as the whole model, bit
 * for bit. {@link io.flotilla.model.Perplexity} measures perplexity as llama.cpp does.
 */
package io.flotilla.model;
