/**
 * Collectives over the cluster's {@link io.flotilla.transport.Transport}: ring all-reduce
 * (reduce-scatter then all-gather, bucketed), all-gather of byte payloads, all with deadlines.
 *
 * <pre>{@code
 * // every worker: its transport started, the addresses of all K workers in rank order
 * try (RingCollective ring = RingCollective.join(transport, rank, addresses, CollectiveConfig.defaults())) {
 *     ring.allReduceSum(gradients);                  // every worker ends with the same bits
 *     ring.allReduceSum(gradients, someChunkCodec);  // lossy codec per hop (e.g. int8 with error feedback)
 *     byte[][] all = ring.allGather(myBytes);        // by rank
 *     CollectiveStats stats = ring.stats();          // payload and wire bytes this worker sent
 * }
 * }</pre>
 *
 * <p>Worker {@code r} opens one connection to worker {@code r+1} (mod K) and accepts one from
 * {@code r-1}; each link has a reader thread, so sends never wait for the peer's compute and a
 * closed link is noticed at once. Any failure (a peer that closes, breaks the protocol, or is
 * silent past the deadline) fails the operation with a {@link io.flotilla.collective.CollectiveException}
 * and closes this worker's links, which makes its neighbours fail at once as well: a dead peer
 * never hangs the ring. Sums have a fixed order (chunk {@code c} is summed along the ring starting
 * after its owner), and the owner's final chunk is what every worker receives, so all workers end
 * with bit-identical results. Payloads travel as {@link io.flotilla.wire.Message.ShardChunk}
 * frames (request id = operation number, offset = chunk start), so the wire protocol is unchanged.
 */
package io.flotilla.collective;
