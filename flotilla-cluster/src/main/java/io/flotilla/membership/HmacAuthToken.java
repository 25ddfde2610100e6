package io.flotilla.membership;

import io.flotilla.transport.ClusterToken;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups {@link org.jgroups.protocols.AUTH} token that proves the cluster token without sending it.
 *
 * <p>AUTH attaches one token to a join or merge request (and, with {@code auth_coord}, to the
 * answer): a single message, so no round-trip challenge is possible inside it. Each time it is
 * written the token carries a fresh proof instead: HMAC-SHA256 under the cluster token over the
 * cluster name, the sender's address, the time and a random nonce. The receiver checks the HMAC,
 * that the address is the message's sender, that the time is within {@link #MAX_SKEW_MILLIS}, and
 * that it has not seen the nonce before; a recorded proof is therefore useless to anyone else and
 * cannot be replayed to the same node. (Flotilla's own {@code TcpTransport} does the full
 * two-way challenge.)
 */
public class HmacAuthToken extends AuthToken {
    /** How far the sender's clock may be from ours; also how long nonces are remembered. */
    public static final long MAX_SKEW_MILLIS = 120_000;
    private static final Logger LOG = LoggerFactory.getLogger(HmacAuthToken.class);
    private static final byte[] LABEL = "flotilla-join-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;

    // configured side: the secret and where nonces are remembered
    private final ClusterToken token;
    private final String clusterName;
    private final Clock clock;
    private final Map<String, Long> seenNonces = new ConcurrentHashMap<>();

    // received side: the fields read off the wire
    private long senderMost;
    private long senderLeast;
    private long timeMillis;
    private byte[] nonce;
    private byte[] mac;

    /** For JGroups, which creates the received copy by reflection. */
    public HmacAuthToken() {
        this(null, null, Clock.systemUTC());
    }

    public HmacAuthToken(ClusterToken token, String clusterName, Clock clock) {
        this.token = token;
        this.clusterName = clusterName;
        this.clock = clock;
    }

    @Override
    public String getName() {
        return getClass().getName();
    }

    @Override
    public int size() {
        return 16 + 8 + NONCE_BYTES + MAC_BYTES;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        if (token == null) {
            throw new IOException("HmacAuthToken without a cluster token cannot be sent");
        }
        UUID sender = uuid(auth.getAddress());
        long now = clock.millis();
        byte[] fresh = new byte[NONCE_BYTES];
        RANDOM.nextBytes(fresh);
        out.writeLong(sender.getMostSignificantBits());
        out.writeLong(sender.getLeastSignificantBits());
        out.writeLong(now);
        out.write(fresh);
        out.write(proof(sender.getMostSignificantBits(), sender.getLeastSignificantBits(), now, fresh));
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        senderMost = in.readLong();
        senderLeast = in.readLong();
        timeMillis = in.readLong();
        nonce = new byte[NONCE_BYTES];
        in.readFully(nonce);
        mac = new byte[MAC_BYTES];
        in.readFully(mac);
    }

    @Override
    public boolean authenticate(AuthToken received, Message message) {
        if (received == this && auth != null && message.src() != null && message.src().equals(auth.getAddress())) {
            return true; // our own request looped back in memory (a merge leader asks itself): never on the wire
        }
        if (!(received instanceof HmacAuthToken other) || other.mac == null) {
            return reject(message, "no Flotilla join proof");
        }
        if (!(message.src() instanceof UUID source) || source.getMostSignificantBits() != other.senderMost
                || source.getLeastSignificantBits() != other.senderLeast) {
            return reject(message, "proof made for another address");
        }
        long now = clock.millis();
        if (Math.abs(now - other.timeMillis) > MAX_SKEW_MILLIS) {
            return reject(message, "proof time " + other.timeMillis + " is " + (now - other.timeMillis)
                    + " ms from ours (limit " + MAX_SKEW_MILLIS + ")");
        }
        byte[] expected = proof(other.senderMost, other.senderLeast, other.timeMillis, other.nonce);
        if (!java.security.MessageDigest.isEqual(expected, other.mac)) {
            return reject(message, "wrong cluster token");
        }
        forgetOldNonces(now);
        if (seenNonces.putIfAbsent(java.util.HexFormat.of().formatHex(other.nonce), other.timeMillis) != null) {
            return reject(message, "replayed proof");
        }
        return true;
    }

    private boolean reject(Message message, String why) {
        LOG.warn("cluster {}: refusing {} from {}: {}", clusterName, "join/merge", message.src(), why);
        return false;
    }

    private void forgetOldNonces(long now) {
        for (Iterator<Long> times = seenNonces.values().iterator(); times.hasNext(); ) {
            if (now - times.next() > 2 * MAX_SKEW_MILLIS) {
                times.remove();
            }
        }
    }

    private byte[] proof(long most, long least, long time, byte[] fresh) {
        byte[] sender = ByteBuffer.allocate(24).putLong(most).putLong(least).putLong(time).array();
        return token.prove(LABEL, clusterName.getBytes(StandardCharsets.UTF_8), sender, fresh);
    }

    private static UUID uuid(Address address) throws IOException {
        if (address instanceof UUID uuid) {
            return uuid;
        }
        throw new IOException("HmacAuthToken needs UUID addresses, got " + address);
    }
}
