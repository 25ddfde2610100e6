/**
 * Distributed training on the cluster's ring collective ({@link io.flotilla.collective.RingCollective}).
 *
 * <ul>
 *   <li>{@link io.flotilla.train.dist.DistributedTrainer}: one worker of a data-parallel (DDP) or
 *       DiLoCo run; {@link io.flotilla.train.dist.DistributedConfig} says which, and
 *       {@link io.flotilla.train.dist.Compression} how the averaged vector travels (fp32, bf16,
 *       blockwise int8, top-k; error feedback for every lossy kind).</li>
 *   <li>{@link io.flotilla.train.dist.WorkerLauncher} starts K {@link io.flotilla.train.dist.TrainWorker}
 *       processes on this machine ({@code flotilla train --workers K}); {@link io.flotilla.train.dist.LocalCluster}
 *       runs K workers as threads of this process over the same loopback TCP (tests, benchmarks).</li>
 *   <li>{@link io.flotilla.train.dist.FederatedAggregator}: private FedAvg rounds ({@code DistributedConfig.withPrivacy}):
 *       updates clipped and noised ({@link io.flotilla.train.dist.DifferentialPrivacy}), masked
 *       ({@link io.flotilla.train.dist.SecureAggregation}), summed by the ring, dropouts unmasked by the survivors;
 *       each round ends as a {@link io.flotilla.train.dist.RoundStats} for a {@link io.flotilla.train.dist.RoundListener}.</li>
 *   <li>Elasticity: survivors regroup after a death; {@code StateTransfer} hands a joining worker the global
 *       state, verified by hash; {@code distributed-checkpoint.bin} serves {@code --resume}.</li>
 *   <li>{@link io.flotilla.train.dist.TrainBench}: the comparisons (DDP, DiLoCo, compression) in one command.</li>
 * </ul>
 *
 * <pre>{@code
 * TrainConfig config = TrainConfig.reference(data, out).withSchedule(8, 800, 1e-3f, 100, 1e-4f);
 * List<DistributedStats> workers = WorkerLauncher.run(config,
 *         DistributedConfig.diloco(10, Compression.parse("int8")), 4, listener);
 * workers.get(0).valLoss(); workers.get(0).bytes().payloadBytes();
 * }</pre>
 */
package io.flotilla.train.dist;
