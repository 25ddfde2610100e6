package io.flotilla.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared secret that lets a node into the cluster. It never crosses the wire: nodes prove they
 * hold it with HMAC-SHA256 over fresh nonces. {@link #toString()} does not reveal it.
 */
public final class ClusterToken {
    /** Fewer bytes than this are too easy to guess offline from one recorded handshake. */
    public static final int MIN_BYTES = 16;
    private static final String HMAC = "HmacSHA256";

    private final byte[] secret;

    private ClusterToken(byte[] secret) {
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("cluster token must have at least " + MIN_BYTES
                    + " bytes, got " + secret.length);
        }
        this.secret = secret.clone();
    }

    /** A token from its text form (as printed by {@link #encoded()} or chosen by an operator). */
    public static ClusterToken of(String text) {
        return new ClusterToken(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh random token of 32 bytes. */
    public static ClusterToken random(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return new ClusterToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The text to hand to a joining node. */
    public String encoded() {
        return new String(secret, StandardCharsets.UTF_8);
    }

    /** HMAC-SHA256 under the token over the parts, each prefixed with its u32 length so they cannot shift. */
    public byte[] prove(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            for (byte[] part : parts) {
                mac.update(ByteBuffer.allocate(4).putInt(part.length).array());
                mac.update(part);
            }
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("the JDK lacks " + HMAC, e);
        }
    }

    /** Whether {@code proof} is {@link #prove} of the parts, compared in constant time. */
    public boolean verify(byte[] proof, byte[]... parts) {
        return MessageDigest.isEqual(proof, prove(parts));
    }

    @Override
    public String toString() {
        return "ClusterToken[" + secret.length + " bytes, redacted]";
    }
}
