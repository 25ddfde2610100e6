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
 *
 * <p>Serving many sequences: a {@link io.flotilla.model.BatchState} holds one paged F16 KV cache
 * for all of them ({@code numBlocks × blockSize} slots per layer); a {@link io.flotilla.model.Batch}
 * lists each sequence's chunk (start position, length, block table, whether to return logits).
 * {@code model.forward(batchState, batch, tokens)} runs all chunks in one pass: every weight
 * matrix is read once for all their tokens, each token attends over its own sequence through its
 * block table. A chunk's logits equal, bit for bit, those of the same tokens run alone.
 * <pre>{@code
 * BatchState bs = model.newBatchState(numBlocks, 16, 512);
 * Batch b = new Batch(16, List.of(new Batch.Sequence(0, 20, new int[] {3, 7}, true),   // a prompt
 *                                 new Batch.Sequence(41, 1, new int[] {0, 2, 5}, true))); // a decode
 * float[] logits = model.forward(bs, b, tokens);        // [2 × vocab]
 * }</pre>
 */
package io.flotilla.model;
