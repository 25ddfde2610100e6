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
 * payload); then every worker announces the SHA-256 of the state it holds, and a joiner accepts
 * the state only if its hash equals what every other worker announces. Until then it has not
 * contributed anything.
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
            try {
                return MessageDigest.getInstance("SHA-256").digest(encode());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK lacks SHA-256", e);
            }
        }
    }

    /** The state every worker holds after a transfer, and the hashes they announced (hex, by rank). */
    record Outcome(GlobalState state, List<String> hashes) {}

    private StateTransfer() {}

    /**
     * Every worker of the group calls this at once; {@code mine} is ignored on joiners.
     *
     * @throws IllegalStateException on a joiner whose received state does not hash to what the others announce
     */
    static Outcome share(Collective collective, GlobalState mine, boolean joining) throws IOException {
        byte[][] flags = collective.allGather(new byte[] {(byte) (joining ? 1 : 0)});
        int source = -1;
        for (int r = 0; r < flags.length && source < 0; r++) {
            source = flags[r][0] == 0 ? r : -1;
        }
        if (source < 0) {
            throw new IllegalStateException("every worker of the group is joining: nobody has the state");
        }
        byte[][] sent = collective.allGather(collective.rank() == source ? mine.encode() : new byte[0]);
        GlobalState state = joining ? GlobalState.decode(sent[source]) : mine;
        byte[][] hashes = collective.allGather(state.digest());
        List<String> hex = new ArrayList<>();
        for (byte[] h : hashes) {
            hex.add(HexFormat.of().formatHex(h));
        }
        for (int r = 0; r < hashes.length; r++) {
            if (flags[r][0] == 0 && !Arrays.equals(hashes[r], hashes[source])) {
                throw new IllegalStateException("worker " + r + " announces state " + hex.get(r) + " but worker "
                        + source + " sent " + hex.get(source) + ": the group's state is inconsistent");
            }
        }
        if (joining && !Arrays.equals(hashes[collective.rank()], hashes[source])) {
            throw new IllegalStateException("the state received from worker " + source + " hashes to "
                    + hex.get(collective.rank()) + ", the others announce " + hex.get(source));
        }
        return new Outcome(state, hex);
    }
}
