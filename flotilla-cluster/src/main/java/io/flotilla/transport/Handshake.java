package io.flotilla.transport;

import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Frame;
import io.flotilla.wire.Message;
import io.flotilla.wire.Message.Challenge;
import io.flotilla.wire.Message.ChallengeResponse;
import io.flotilla.wire.Message.Hello;
import io.flotilla.wire.MessageType;
import io.flotilla.wire.WireCodec;
import io.flotilla.wire.WireFormatException;
import io.flotilla.wire.WireProtocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The opening of every connection, the same on both sides except for the role byte:
 * <ol>
 *   <li>send HELLO and a CHALLENGE with a fresh 32-byte nonce;</li>
 *   <li>read the peer's HELLO (same protocol version and cluster name, or refuse) and CHALLENGE;</li>
 *   <li>the connector sends CHALLENGE_RESPONSE = HMAC(token, label, own role, cluster, own id,
 *       peer id, peer nonce, own nonce);</li>
 *   <li>the acceptor checks it against the same HMAC with roles swapped, and only then sends its
 *       own response, which the connector checks in turn.</li>
 * </ol>
 * An unauthenticated stranger who connects therefore learns nothing derived from the token.
 * The token never crosses the wire. Both nonces enter every proof, so a proof recorded from one
 * connection is useless on another, and the role byte stops a proof being reflected back.
 */
final class Handshake {
    private static final byte[] LABEL = "flotilla-auth-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Which end of the TCP connection we are; enters the proof. */
    enum Role { CONNECTOR, ACCEPTOR }

    private Handshake() {
    }

    /** Runs the exchange over {@code link}; returns the authenticated peer's HELLO. */
    static Hello run(FrameLink link, TransportConfig config, Role role) throws IOException {
        byte[] ownNonce = new byte[WireProtocol.NONCE_BYTES];
        RANDOM.nextBytes(ownNonce);
        link.write(Hello.of(config.nodeId(), config.clusterName()));
        link.write(new Challenge(ownNonce));
        link.flush();

        Hello peer = (Hello) expect(link, MessageType.HELLO);
        if (peer.protocolVersion() != WireProtocol.VERSION) {
            throw link.refuse(ErrorCode.VERSION_MISMATCH, "peer " + peer.nodeId() + " speaks protocol version "
                    + peer.protocolVersion() + ", this node speaks " + WireProtocol.VERSION);
        }
        if (!peer.clusterName().equals(config.clusterName())) {
            throw link.refuse(ErrorCode.AUTHENTICATION_FAILED, "peer " + peer.nodeId() + " belongs to cluster '"
                    + peer.clusterName() + "', this node to '" + config.clusterName() + "'");
        }
        byte[] peerNonce = ((Challenge) expect(link, MessageType.CHALLENGE)).nonce();
        if (java.util.Arrays.equals(peerNonce, ownNonce)) {
            throw link.refuse(ErrorCode.AUTHENTICATION_FAILED, "peer " + peer.nodeId() + " echoed our nonce");
        }
        link.introduce(peer);
        Role peerRole = role == Role.CONNECTOR ? Role.ACCEPTOR : Role.CONNECTOR;
        ChallengeResponse ownProof = new ChallengeResponse(
                proof(config, role, config.nodeId(), peer.nodeId(), peerNonce, ownNonce));
        if (role == Role.CONNECTOR) {
            link.write(ownProof);
            link.flush();
        }
        byte[] peerProof = ((ChallengeResponse) expect(link, MessageType.CHALLENGE_RESPONSE)).mac();
        byte[] expected = proof(config, peerRole, peer.nodeId(), config.nodeId(), ownNonce, peerNonce);
        if (!java.security.MessageDigest.isEqual(peerProof, expected)) {
            throw link.refuse(ErrorCode.AUTHENTICATION_FAILED, "peer " + peer.nodeId()
                    + " failed the cluster-token challenge");
        }
        if (role == Role.ACCEPTOR) {
            link.write(ownProof);
            link.flush();
        }
        return peer;
    }

    private static byte[] proof(TransportConfig config, Role proverRole, String prover, String challenger,
                                byte[] challengerNonce, byte[] proverNonce) {
        return config.token().prove(LABEL, new byte[] {(byte) proverRole.ordinal()},
                config.clusterName().getBytes(StandardCharsets.UTF_8), prover.getBytes(StandardCharsets.UTF_8),
                challenger.getBytes(StandardCharsets.UTF_8), challengerNonce, proverNonce);
    }

    private static Message expect(FrameLink link, MessageType type) throws IOException {
        Frame frame = link.read();
        if (frame.type() == MessageType.ERROR) {
            Message.Error error = (Message.Error) WireCodec.decode(frame);
            if (error.code() == ErrorCode.AUTHENTICATION_FAILED) {
                throw new AuthenticationException(link.describe() + " refused us: " + error.message());
            }
            throw new PeerRejectedException(link.describe(), error.code(), error.message());
        }
        if (frame.type() != type) {
            throw link.refuse(ErrorCode.PROTOCOL_VIOLATION, "expected " + type + " during the handshake, got "
                    + frame.type());
        }
        try {
            return WireCodec.decode(frame);
        } catch (WireFormatException e) {
            throw link.refuse(e.code(), e.getMessage());
        }
    }

    /** What the handshake needs from a connection under construction. */
    interface FrameLink {
        void write(Message message) throws IOException;

        void flush() throws IOException;

        Frame read() throws IOException;

        String describe();

        /** The peer's HELLO arrived: name it in later messages. */
        void introduce(Hello peer);

        /**
         * Logs, tells the peer why, closes, and returns the exception to throw: an
         * {@link AuthenticationException} for {@link ErrorCode#AUTHENTICATION_FAILED}, else a
         * {@link WireFormatException}.
         */
        IOException refuse(ErrorCode code, String reason);
    }
}
