/**
 * The seam between scheduling and computing: an {@link io.flotilla.exec.Executor} runs a
 * {@code SchedulerOutput} and returns a {@link io.flotilla.exec.ModelRunnerOutput} (per sequence
 * the sampled tokens and their logprobs). {@link io.flotilla.exec.LocalExecutor} does it with a
 * whole model on this machine; a pipeline executor over stage nodes plugs in the same way.
 */
package io.flotilla.exec;
