/**
 * Where the model runs. {@link io.flotilla.placement.PlacementPlanner#plan} takes a
 * {@link io.flotilla.placement.ModelSpec} (per-layer bytes, FLOPs, bytes read, KV bytes per token),
 * the measured {@link io.flotilla.placement.ClusterCapacity} (from {@link io.flotilla.placement.NodeProbe}
 * and {@link io.flotilla.placement.LinkProbe}) and an objective, and returns a
 * {@link io.flotilla.placement.PlacementPlan}: pipelines of stages with contiguous layer ranges,
 * predicted seconds per token and tokens per second. The cost model is
 * {@link io.flotilla.placement.PlacementCostModel}; the search is exact under it.
 */
package io.flotilla.placement;
