package io.flotilla.kvcache;

/**
 * The chained hash that names a full block for prefix caching: a block's hash mixes its parent
 * block's hash with its own token ids, so equal hashes mean equal prefixes up to and including
 * the block (cache hits are then verified on the block's own tokens, see {@link KvBlockPool#lookup}).
 *
 * <p>The first block of a sequence chains from a seed: 0 shares cached prefixes between all
 * requests; a per-tenant seed keeps tenants from reusing (and timing) each other's prefixes.
 */
public final class KvBlockHash {
    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    private KvBlockHash() {
    }

    /** Hash of the block holding {@code tokens[from, to)} whose predecessor hashes to {@code parent}. */
    public static long of(long parent, KvSequence sequence, int from, int to) {
        long h = mix(parent ^ 0x5851F42D4C957F2DL);
        for (int i = from; i < to; i++) {
            h = mix(h ^ (sequence.tokenAt(i) & 0xFFFFFFFFL));
        }
        h = mix(h ^ (to - from));
        return h == 0 ? 1 : h; // 0 is reserved for "not cached"
    }

    /** Seed for the first block of a sequence in a cache scope (e.g. a tenant); 0 for the shared scope. */
    public static long seed(String scope) {
        if (scope == null || scope.isEmpty()) {
            return 0;
        }
        long h = 0;
        for (int i = 0; i < scope.length(); i++) {
            h = mix(h ^ scope.charAt(i));
        }
        return h;
    }

    private static long mix(long x) {
        // SplitMix64 finalizer: full avalanche, cheap
        x *= MULTIPLIER;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 29;
        x *= 0x94D049BB133111EBL;
        return x ^ (x >>> 32);
    }
}
