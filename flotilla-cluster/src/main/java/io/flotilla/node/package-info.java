/**
 * A stage node process. {@link io.flotilla.node.Node} joins the group (JGroups, token-authenticated),
 * reports its measured capacity and the model version of its local GGUF
 * ({@link io.flotilla.node.TensorHashes}) to the coordinator, checks every assigned tensor against
 * the content hashes the coordinator announces, and runs its layer range on batches arriving over
 * authenticated data connections, keeping its layers' K/V in a paged store addressed by the
 * coordinator engine's block ids, so that cached prefixes are shared across requests on every stage
 * ({@link io.flotilla.node.StageRunner}). {@link io.flotilla.node.NodeLauncher} starts node
 * processes on this machine.
 *
 * <p>A node without a model file receives just the tensors of its range from a member that has the
 * model ({@link io.flotilla.node.ShardServer} answers, {@link io.flotilla.node.ShardCache} streams them
 * to a checked shard file). A candidate node ({@link io.flotilla.node.Node#candidateCoordinator})
 * takes over as coordinator when {@link io.flotilla.node.CoordinatorElection} elects it.
 */
package io.flotilla.node;
