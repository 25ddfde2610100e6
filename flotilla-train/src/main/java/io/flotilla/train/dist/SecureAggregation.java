package io.flotilla.train.dist;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secure aggregation with pairwise additive masks (after Bonawitz et al., without the second,
 * self mask): each pair of clients agrees on a key by X25519, and per round derives from it a
 * pseudo-random int32 stream (AES-CTR). Client {@code i} uploads its update quantized to
 * fixed-point int32 plus {@code mask(i,j)} for every {@code j > i} and minus it for every
 * {@code j < i}, all modulo 2³²: one upload alone is uniformly random, while in the sum of all
 * uploads every mask cancels. If clients drop out before uploading, each survivor reveals its
 * pair seeds with the dropped ones (and only those), so the server can remove the masks that
 * no longer cancel; with fewer survivors than the threshold the round aborts and nothing is
 * unmasked. Without the self mask, a server that falsely claims a client dropped after it
 * uploaded could unmask it: a known limit of this simplified scheme.
 */
public final class SecureAggregation {

    /** Fixed-point scale: 2²⁰ steps per unit, so one client's rounding error is at most 4.8e-7. */
    public static final double SCALE = 1 << 20;

    private SecureAggregation() {}

    /** A fresh X25519 key pair for one client. */
    public static KeyPair keyPair() {
        try {
            return KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks X25519", e);
        }
    }

    /** The 32-byte seed clients {@code a} and {@code b} share for {@code round}: SHA-256 of the X25519 secret and the round. */
    public static byte[] pairSeed(KeyPair mine, PublicKey theirs, long round) {
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(mine.getPrivate());
            agreement.doPhase(theirs, true);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(agreement.generateSecret());
            sha.update(ByteBuffer.allocate(8).putLong(round).array());
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key agreement failed", e);
        }
    }

    /** {@code length} pseudo-random int32 values from a pair seed (AES-128-CTR of zeros). */
    static int[] mask(byte[] seed, int length) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, 0, 16, "AES"), new IvParameterSpec(seed, 16, 16));
            byte[] stream = aes.doFinal(new byte[4 * length]);
            int[] out = new int[length];
            ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR unavailable", e);
        }
    }

    /** The update as fixed-point int32 ({@code round(x · SCALE)}). */
    public static int[] quantize(float[] update) {
        int[] q = new int[update.length];
        for (int i = 0; i < q.length; i++) {
            double v = Math.rint(update[i] * SCALE);
            if (Math.abs(v) > Integer.MAX_VALUE / 64.0) {
                throw new IllegalArgumentException("update[" + i + "] = " + update[i] + " is too large for fixed point");
            }
            q[i] = (int) v;
        }
        return q;
    }

    public static float[] dequantize(int[] q) {
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = (float) (q[i] / SCALE);
        }
        return out;
    }

    /** Client {@code id}'s upload: its quantized update plus its pair masks (mod 2³²). */
    public static int[] maskedUpload(int id, KeyPair mine, Map<Integer, PublicKey> peers, long round, float[] update) {
        int[] upload = quantize(update);
        for (Map.Entry<Integer, PublicKey> peer : peers.entrySet()) {
            int j = peer.getKey();
            if (j != id) {
                addMask(upload, mask(pairSeed(mine, peer.getValue(), round), upload.length), id < j ? 1 : -1);
            }
        }
        return upload;
    }

    /** What a surviving client reveals: its pair seeds with the dropped clients, nothing else. */
    public static Map<Integer, byte[]> revealFor(Set<Integer> dropped, KeyPair mine, Map<Integer, PublicKey> peers,
                                                 long round) {
        Map<Integer, byte[]> seeds = new HashMap<>();
        for (int d : dropped) {
            seeds.put(d, pairSeed(mine, peers.get(d), round));
        }
        return seeds;
    }

    /**
     * The server's sum of the uploads it received (fixed point, mod 2³²), with the masks of the
     * dropped clients removed using the survivors' revealed seeds ({@code revealed.get(s).get(d)}).
     *
     * @throws IllegalStateException when fewer than {@code threshold} clients uploaded (nothing is unmasked)
     */
    public static int[] unmaskedSum(Map<Integer, int[]> uploads, Set<Integer> dropped,
                                    Map<Integer, Map<Integer, byte[]>> revealed, int threshold) {
        if (uploads.size() < threshold) {
            throw new IllegalStateException("only " + uploads.size() + " clients uploaded, below the threshold of "
                    + threshold + ": the round is aborted and nothing is unmasked");
        }
        int length = uploads.values().iterator().next().length;
        int[] sum = new int[length];
        for (int[] u : uploads.values()) {
            addMask(sum, u, 1);
        }
        removeDropped(sum, uploads.keySet(), dropped, revealed);
        return sum;
    }

    /**
     * Removes from a sum of the survivors' uploads the masks they added for their pairs with
     * clients that dropped out, using the seeds the survivors revealed ({@code revealed.get(s).get(d)}).
     */
    public static void removeDropped(int[] sum, Set<Integer> survivors, Set<Integer> dropped,
                                     Map<Integer, Map<Integer, byte[]>> revealed) {
        for (int s : survivors) {
            for (int d : dropped) {
                byte[] seed = revealed.getOrDefault(s, Map.of()).get(d);
                if (seed == null) {
                    throw new IllegalStateException("survivor " + s + " did not reveal its seed with dropped client " + d);
                }
                addMask(sum, mask(seed, sum.length), s < d ? -1 : 1); // undo what s added for the pair (s, d)
            }
        }
    }

    private static void addMask(int[] into, int[] mask, int sign) {
        for (int i = 0; i < into.length; i++) {
            into[i] += sign * mask[i]; // wraps modulo 2^32 on purpose
        }
    }
}
