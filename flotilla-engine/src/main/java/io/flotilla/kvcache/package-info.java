/**
 * Paged KV cache bookkeeping: a {@link io.flotilla.kvcache.KvBlockPool} of fixed-size blocks with
 * reference counts and an LRU free list, a {@link io.flotilla.kvcache.KvBlockTable} per sequence,
 * and the {@link io.flotilla.kvcache.KvCacheManager} that allocates (null = no room: preempt),
 * frees, and reuses cached full blocks of equal prefixes (chained block hashes, verified on the
 * tokens). {@link io.flotilla.kvcache.KvStorage} is the physical K/V, one float array per layer
 * for keys and one for values, {@code [block][token in block][kvHead][headDim]}. Attention over a
 * sequence reads its position {@code p}, head {@code h} at
 * {@code storage.keys(layer)[storage.offset(table.slot(p), h) + d]}.
 */
package io.flotilla.kvcache;
