package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Hands the global state of a DiLoCo/FedAvg run to workers that join a running group. The
 * lowest-ranked worker that is not joining sends its state (an all-gather where only it has a
 * payload) together with its own inner AdamW state ({@link InnerState}); then every worker
 * announces the SHA-256 of the global state it holds and of its inner state, and a joiner accepts
 * only if the global hash equals what every other worker announces and the inner hash equals the
 * sender's. Until then it has not contributed anything. The joiner starts its inner steps from the
 * sender's moments rather than from zero (workers' moments differ, so only the sender's hash
 * vouches for them).
 */
final class StateTransfer {

    /**
     * What a joiner needs: the steps done (its data position follows from them), the global
     * parameters and the outer optimizer's momentum.
     */
    record GlobalState(long step, float[] params, float[] momentum) {

        byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(12 + 4 * (params.length + momentum.length)).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(step).putInt(params.length);
            b.asFloatBuffer().put(params).put(momentum);
            return b.array();
        }

        static GlobalState decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long step = b.getLong();
            int n = b.getInt();
            if (bytes.length != 12 + 8L * n) {
                throw new IllegalArgumentException("state of " + bytes.length + " bytes for " + n + " parameters, expected "
                        + (12 + 8L * n));
            }
            float[] params = new float[n];
            float[] momentum = new float[n];
            b.asFloatBuffer().get(params).get(momentum);
            return new GlobalState(step, params, momentum);
        }

        /** Writes the state to {@code file} atomically (a temp file in the same folder, then a move). */
        void write(Path file) throws IOException {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, encode());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        /** Reads a state {@link #write} wrote. */
        static GlobalState read(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            try {
                return decode(bytes);
            } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
                throw new IOException(file + ": not a distributed checkpoint (" + e.getMessage() + ")", e);
            }
        }

        /** SHA-256 of the encoded state. */
        byte[] digest() {
            return sha256(encode());
        }
    }

    /**
     * A worker's inner AdamW state: the updates it has taken (bias correction) and its two moment buffers.
     */
    record InnerState(long step, float[] firstMoment, float[] secondMoment) {

        InnerState {
            if (firstMoment.length != secondMoment.length) {
                throw new IllegalArgumentException("moments of " + firstMoment.length + " and " + secondMoment.length
                        + " values");
            }
        }

        byte[] encode() {
            int n = firstMoment.length;
            ByteBuffer b = ByteBuffer.allocate(12 + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(step).putInt(n);
            b.asFloatBuffer().put(firstMoment).put(secondMoment);
            return b.array();
        }

        static InnerState decode(byte[] bytes, int offset) {
            ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset).slice().order(ByteOrder.LITTLE_ENDIAN);
            long step = b.getLong();
            int n = b.getInt();
            if (bytes.length - offset != 12 + 8L * n) {
                throw new IllegalArgumentException("inner state of " + (bytes.length - offset) + " bytes for " + n
                        + " moments, expected " + (12 + 8L * n));
            }
            float[] m = new float[n];
            float[] v = new float[n];
            b.asFloatBuffer().get(m).get(v);
            return new InnerState(step, m, v);
        }

        byte[] digest() {
            return sha256(encode());
        }
    }

    /**
     * What a transfer left: the global state every worker holds, the inner state (on a joiner the
     * sender's, verified; on a member its own), and the global-state hashes announced (hex, by rank).
     */
    record Outcome(GlobalState state, InnerState inner, List<String> hashes) {}

    private StateTransfer() {}

    /**
     * Every worker of the group calls this at once; {@code mine} and {@code myInner} are ignored on joiners.
     *
     * @throws IllegalStateException on a joiner whose received state does not hash to what the others
     *                               announce, or whose inner state does not hash to what the sender announces
     */
    static Outcome share(Collective collective, GlobalState mine, InnerState myInner, boolean joining)
            throws IOException {
        byte[][] flags = collective.allGather(new byte[] {(byte) (joining ? 1 : 0)});
        int source = -1;
        for (int r = 0; r < flags.length && source < 0; r++) {
            source = flags[r][0] == 0 ? r : -1;
        }
        if (source < 0) {
            throw new IllegalStateException("every worker of the group is joining: nobody has the state");
        }
        byte[][] sent = collective.allGather(collective.rank() == source ? payload(mine, myInner) : new byte[0]);
        GlobalState state = joining ? GlobalState.decode(globalPart(sent[source])) : mine;
        InnerState inner = joining ? InnerState.decode(sent[source], 4 + length(sent[source])) : myInner;
        byte[][] hashes = collective.allGather(concat(state.digest(), inner.digest()));
        List<String> hex = new ArrayList<>();
        for (byte[] h : hashes) {
            hex.add(HexFormat.of().formatHex(h, 0, 32));
        }
        for (int r = 0; r < hashes.length; r++) {
            if (flags[r][0] == 0 && !hex.get(r).equals(hex.get(source))) {
                throw new IllegalStateException("worker " + r + " announces state " + hex.get(r) + " but worker "
                        + source + " sent " + hex.get(source) + ": the group's state is inconsistent");
            }
        }
        int me = collective.rank();
        if (joining && !hex.get(me).equals(hex.get(source))) {
            throw new IllegalStateException("the state received from worker " + source + " hashes to "
                    + hex.get(me) + ", the others announce " + hex.get(source));
        }
        if (joining && !Arrays.equals(hashes[me], 32, 64, hashes[source], 32, 64)) {
            throw new IllegalStateException("the inner optimizer state received from worker " + source + " hashes to "
                    + HexFormat.of().formatHex(hashes[me], 32, 64) + ", it announces "
                    + HexFormat.of().formatHex(hashes[source], 32, 64));
        }
        return new Outcome(state, inner, hex);
    }

    /** The sender's payload: the encoded global state's length (int32), the global state, the inner state. */
    private static byte[] payload(GlobalState global, InnerState inner) {
        byte[] g = global.encode();
        return concat(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(g.length).array(), g, inner.encode());
    }

    private static int length(byte[] payload) {
        if (payload.length < 4) {
            throw new IllegalArgumentException("state payload of " + payload.length + " bytes, expected at least 4");
        }
        int n = ByteBuffer.wrap(payload, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (n < 0 || n > payload.length - 4) {
            throw new IllegalArgumentException("state payload of " + payload.length + " bytes announces a global state of "
                    + n + " bytes");
        }
        return n;
    }

    private static byte[] globalPart(byte[] payload) {
        return Arrays.copyOfRange(payload, 4, 4 + length(payload));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** SHA-256 of {@code bytes}: the hash of every state workers compare. */
    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
