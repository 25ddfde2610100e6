package io.flotilla.node;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Content hashes of a GGUF file's tensors (SHA-256 of each tensor's bytes), computed once each
 * and cached, and the model version: a hash over every tensor's name, type, shape and content hash.
 */
public final class TensorHashes {
    private static final int CHUNK = 1 << 20;

    private final GgufFile file;
    private final Map<String, String> hashes = new HashMap<>();
    private String version;

    public TensorHashes(GgufFile file) {
        this.file = file;
    }

    /** "sha256:" and the first 16 hex digits of the hash over all tensors. */
    public synchronized String modelVersion() {
        if (version == null) {
            MessageDigest digest = sha256();
            for (GgufTensorInfo tensor : file.tensors()) {
                digest.update((tensor.name() + "|" + tensor.type() + "|" + java.util.Arrays.toString(tensor.ne())
                        + "|" + hash(tensor.name()) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            version = "sha256:" + HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        }
        return version;
    }

    /** The hex SHA-256 of one tensor's bytes. */
    public synchronized String hash(String tensorName) {
        String known = hashes.get(tensorName);
        if (known != null) {
            return known;
        }
        MemorySegment data = file.data(file.requireTensor(tensorName));
        MessageDigest digest = sha256();
        byte[] chunk = new byte[(int) Math.min(CHUNK, data.byteSize())];
        for (long offset = 0; offset < data.byteSize(); offset += chunk.length) {
            int length = (int) Math.min(chunk.length, data.byteSize() - offset);
            MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, chunk, 0, length);
            digest.update(ByteBuffer.wrap(chunk, 0, length));
        }
        String hex = HexFormat.of().formatHex(digest.digest());
        hashes.put(tensorName, hex);
        return hex;
    }

    /**
     * The tensors a stage of layers {@code [first, last)} of an {@code layers}-layer model reads:
     * its blocks, the embedding on the first stage (and on the last when the output is tied), the
     * final norm and output on the last, and the rope factors everywhere.
     */
    public List<String> stageTensors(int first, int last, int layers) {
        List<String> names = new ArrayList<>();
        for (GgufTensorInfo tensor : file.tensors()) {
            String name = tensor.name();
            boolean wanted;
            if (name.startsWith("blk.")) {
                int layer = Integer.parseInt(name.substring(4, name.indexOf('.', 4)));
                wanted = layer >= first && layer < last;
            } else if (name.equals("token_embd.weight")) {
                wanted = first == 0 || last == layers && !file.hasTensor("output.weight");
            } else if (name.startsWith("output")) {
                wanted = last == layers;
            } else {
                wanted = true;
            }
            if (wanted) {
                names.add(name);
            }
        }
        return names;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
