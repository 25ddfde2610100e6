/**
 * One model across node processes. {@link io.flotilla.pipeline.Coordinator} collects the nodes'
 * reports, places the layers with the placement planner, assigns each node its range and re-plans on
 * join, leave and failure (inside, {@code NodeRoster} keeps the nodes' reports and what the planner
 * is given, {@code StageAssignments} puts a plan on its nodes and waits until they are ready, and
 * {@code LinkTable} keeps the measured links); {@link io.flotilla.pipeline.PipelineExecutor} is the engine's
 * {@code Executor} over the current pipeline, keeping one engine step in flight per stage
 * ({@code PipelineStep}; {@code PipelineFrames} makes the frames): micro-batches flow coordinator →
 * stage 0 → … → last stage → coordinator with the engine's block tables (stages keep paged K/V, so prefix caching
 * works), and after a failure each sequence's tokens are replayed into its blocks on the new plan so
 * that the output equals an uninterrupted run. {@link io.flotilla.pipeline.PipelineTracing} records
 * each stage's timed work under the request's trace. {@link io.flotilla.pipeline.ClusterStatus}
 * is what {@code flotilla cluster status} shows.
 *
 * <pre>{@code
 * try (Coordinator coordinator = new Coordinator(config)) {  // then start node processes
 *     coordinator.start();
 *     EngineCore engine = new EngineCore(engineConfig,      // prefix caching on or off
 *             new PipelineExecutor(coordinator, engineConfig, Duration.ofSeconds(60), Duration.ofSeconds(30)));
 *     ...
 * }
 * }</pre>
 */
package io.flotilla.pipeline;
