/**
 * The seam between scheduling and computing: an {@link io.flotilla.exec.Executor} runs a
 * {@code SchedulerOutput} and returns a {@link io.flotilla.exec.ModelRunnerOutput} (per sequence
 * the sampled tokens and their logprobs). {@link io.flotilla.exec.BatchExecutor} runs each step as
 * one batched forward pass of a whole model over a paged KV cache (prefix caching on; the one to
 * serve with); {@link io.flotilla.exec.LocalExecutor} runs the sequences one after another with
 * contiguous per-sequence caches (prefix caching off). A pipeline executor over stage nodes plugs
 * in the same way, with {@code ModelStage.forward(BatchState, Batch, hidden)} on each stage, and
 * keeps one step in flight per stage ({@code maxStepsInFlight}, {@code submit}, {@code awaitOldest}).
 */
package io.flotilla.exec;
