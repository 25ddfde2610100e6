package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import io.flotilla.train.model.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One worker's side of a private FedAvg round: the sampled clients' updates are clipped to L2
 * norm C and carry a share of the Gaussian noise ({@link DifferentialPrivacy#noiseShare}), then
 * travel masked ({@link SecureAggregation}: fixed point plus pairwise X25519/AES-CTR masks,
 * modulo 2³²), so the sum is all anyone learns. Every worker of the group takes part (clients that
 * sit the round out upload masked zeros); one more slot counts the contributing clients.
 * <p>
 * Masked int32 values cannot go through a float ring all-reduce as they are, so each travels as
 * two 16-bit digits in two floats: a sum of up to 256 digits stays an exact float integer, and
 * every partial sum a ring neighbour sees is as uniform as a single upload. The ring payload is
 * therefore 8 bytes per parameter, twice fp32.
 * <p>
 * Dropouts: the clients of a round are those of its first attempt. When some die, the
 * survivors regroup and call {@link #mean} again for the same round; if at least
 * {@value #THRESHOLD_PERCENT}% of the round's clients survive, they upload the same masked
 * vectors, reveal their pair seeds with the dead ones (all-gather), and every worker removes
 * those masks from the sum. Below that threshold the round aborts before anything is summed or
 * revealed ({@link RoundAbortedException}).
 */
final class FederatedAggregator {

    /** δ of the (ε, δ) reported. */
    static final double DELTA = 1e-5;
    /** Percentage of a round's clients that must survive for it to be unmasked. */
    static final int THRESHOLD_PERCENT = 67;
    /** Most workers whose 16-bit digits sum exactly in float32 (2²⁴ / 2¹⁶). */
    static final int MAX_WORKERS = 256;

    private final int id;
    private final DistributedConfig dist;
    private final DifferentialPrivacy dp;
    private final KeyPair keys = SecureAggregation.keyPair();
    private final long noiseSeed = new SecureRandom().nextLong();
    private final Map<Integer, PublicKey> publicKeys = new TreeMap<>();
    private int[] idsByRank = new int[0];
    private long round = -1;
    private Set<Integer> members = Set.of();
    private int sampled;
    private int[] lastSum;

    /** Worker {@code id} (its rank in the first group: stable across regroups). */
    FederatedAggregator(int id, DistributedConfig dist) {
        this.id = id;
        this.dist = dist;
        this.dp = dist.dpNoise() > 0 ? new DifferentialPrivacy(dist.dpClip(), dist.dpNoise(), DELTA) : null;
    }

    /**
     * Replaces {@code update} with the mean of the contributing clients' (clipped, noised) updates.
     * Every worker of {@code collective} calls this for the same round at once.
     *
     * @param contributes whether this worker trained in this round (sampled)
     * @throws RoundAbortedException when too few of the round's clients survive, or none contributed
     */
    RoundStats mean(Collective collective, float[] update, long round, boolean contributes) throws IOException {
        int n = update.length;
        float[] x = new float[n + 1];
        Map<Integer, PublicKey> announced = exchangeKeys(collective);
        Set<Integer> alive = announced.keySet();
        if (round != this.round) { // first attempt: its workers are the round's clients, with the keys they announce now
            this.round = round;
            members = new TreeSet<>(alive);
            publicKeys.putAll(announced);
            int m = dist.clientsPerRound();
            sampled = m == 0 || m >= members.size() ? members.size() : m;
        }
        Set<Integer> survivors = new TreeSet<>(members);
        survivors.retainAll(alive);
        Set<Integer> dropped = new TreeSet<>(members);
        dropped.removeAll(alive);
        int threshold = (THRESHOLD_PERCENT * members.size() + 99) / 100;
        if (survivors.size() < threshold) {
            throw new RoundAbortedException(round, survivors.size() + " of " + members.size()
                    + " clients survived, below the threshold of " + threshold + ": nothing was unmasked");
        }
        if (contributes && members.contains(id)) {
            System.arraycopy(update, 0, x, 0, n);
            privatize(x, n, round);
            x[n] = 1;
        }
        if (dist.secureAggregation()) {
            lastSum = secureSum(collective, x, survivors, dropped);
            float[] sum = SecureAggregation.dequantize(lastSum);
            System.arraycopy(sum, 0, x, 0, x.length);
        } else {
            collective.allReduceSum(x);
        }
        int clients = Math.round(x[n]);
        if (clients == 0) {
            throw new RoundAbortedException(round, "no sampled client survived");
        }
        for (int i = 0; i < n; i++) {
            update[i] = x[i] / clients;
        }
        if (dp != null) {
            dp.spend();
        }
        return new RoundStats(round, clients, dropped.size(), false, epsilon());
    }

    /** The last unmasked fixed-point sum (the count of clients in its last slot), for tests. */
    int[] lastSum() {
        return lastSum;
    }

    /** ε spent so far (0 without noise). */
    double epsilon() {
        return dp == null ? 0 : dp.epsilon();
    }

    /** Clipping and this client's noise share; the same on a retry of the round. */
    private void privatize(float[] x, int n, long round) {
        if (dist.dpClip() <= 0) {
            return;
        }
        float[] u = Arrays.copyOf(x, n);
        DifferentialPrivacy.clip(u, dist.dpClip());
        if (dp != null) {
            dp.noiseShare(u, sampled, new Rng(noiseSeed ^ (round + 1) * 0x9E3779B97F4A7C15L));
        }
        System.arraycopy(u, 0, x, 0, n);
    }

    /**
     * The exact fixed-point sum of every member's {@code x} (mod 2³²): masked uploads summed by the
     * ring, then the masks of {@code dropped} clients removed with the seeds the survivors reveal.
     */
    int[] secureSum(Collective collective, float[] x, Set<Integer> survivors, Set<Integer> dropped)
            throws IOException {
        boolean member = survivors.contains(id);
        int[] upload = member ? SecureAggregation.maskedUpload(id, keys, roundKeys(), round, x)
                : SecureAggregation.quantize(new float[x.length]); // joined mid-round: adds nothing
        int[] sum = ringSum(collective, upload);
        if (!dropped.isEmpty()) {
            Map<Integer, byte[]> mine = member ? SecureAggregation.revealFor(dropped, keys, publicKeys, round) : Map.of();
            byte[][] all = collective.allGather(encodeSeeds(mine));
            Map<Integer, Map<Integer, byte[]>> revealed = new HashMap<>();
            for (int r = 0; r < all.length; r++) {
                revealed.put(idsByRank[r], decodeSeeds(all[r]));
            }
            SecureAggregation.removeDropped(sum, survivors, dropped, revealed);
        }
        return sum;
    }

    /** Sums int32 values exactly over a float ring: each value as two 16-bit digits. */
    static int[] ringSum(Collective collective, int[] v) throws IOException {
        if (collective.size() > MAX_WORKERS) {
            throw new IllegalArgumentException(collective.size() + " workers: secure sums are exact for at most "
                    + MAX_WORKERS);
        }
        int n = v.length;
        float[] digits = new float[2 * n];
        for (int i = 0; i < n; i++) {
            digits[i] = v[i] & 0xFFFF;
            digits[n + i] = v[i] >>> 16;
        }
        collective.allReduceSum(digits);
        int[] sum = new int[n];
        for (int i = 0; i < n; i++) {
            sum[i] = (int) digits[i] + ((int) digits[n + i] << 16); // wraps modulo 2^32 on purpose
        }
        return sum;
    }

    /** All-gathers (id, X25519 public key) of every worker of this group. */
    private Map<Integer, PublicKey> exchangeKeys(Collective collective) throws IOException {
        byte[] encoded = keys.getPublic().getEncoded();
        byte[][] all = collective.allGather(ByteBuffer.allocate(4 + encoded.length).putInt(id).put(encoded).array());
        Map<Integer, PublicKey> alive = new TreeMap<>();
        idsByRank = new int[all.length];
        try {
            KeyFactory factory = KeyFactory.getInstance("X25519");
            for (int r = 0; r < all.length; r++) {
                ByteBuffer b = ByteBuffer.wrap(all[r]);
                int peer = b.getInt();
                byte[] key = Arrays.copyOfRange(all[r], 4, all[r].length);
                if (alive.put(peer, factory.generatePublic(new X509EncodedKeySpec(key))) != null) {
                    throw new IllegalStateException("two workers announce id " + peer + " (ranks up to " + r + ")");
                }
                idsByRank[r] = peer;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("bad X25519 public key from a peer", e);
        }
        return alive;
    }

    private Map<Integer, PublicKey> roundKeys() {
        Map<Integer, PublicKey> keysOfRound = new TreeMap<>(publicKeys);
        keysOfRound.keySet().retainAll(members);
        return keysOfRound;
    }

    private static byte[] encodeSeeds(Map<Integer, byte[]> seeds) {
        ByteBuffer b = ByteBuffer.allocate(seeds.size() * 36);
        seeds.forEach((d, seed) -> b.putInt(d).put(seed));
        return b.array();
    }

    private static Map<Integer, byte[]> decodeSeeds(byte[] bytes) {
        Map<Integer, byte[]> seeds = new HashMap<>();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.remaining() >= 36) {
            int d = b.getInt();
            byte[] seed = new byte[32];
            b.get(seed);
            seeds.put(d, seed);
        }
        return seeds;
    }
}
