/**
 * Paged KV cache bookkeeping: a {@link io.flotilla.kvcache.KvBlockPool} of fixed-size blocks with
 * reference counts and an LRU free list, a {@link io.flotilla.kvcache.KvBlockTable} per sequence,
 * and the {@link io.flotilla.kvcache.KvCacheManager} that allocates (null = no room: preempt),
 * frees, and reuses cached full blocks of equal prefixes (chained block hashes, verified on the
 * tokens). The K/V themselves live in the model's paged store ({@code io.flotilla.model.BatchState},
 * F16, one keys and one values array per layer, {@code [slot][kvDim]} with slot =
 * {@code blockId × blockSize + p % blockSize}); block ids here are indices there.
 * {@link io.flotilla.kvcache.KvStorage} is a float stand-in of that layout for model-free tests.
 */
package io.flotilla.kvcache;
