package io.flotilla.node;

import io.flotilla.gguf.GgufFile;
import io.flotilla.transport.Connection;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.Message;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Answers {@link Message.ShardRequest}s on one data connection from a member's full GGUF file: each
 * request is answered by {@link Message.ShardChunk}s of at most {@link #CHUNK_BYTES} bytes, copied
 * from the mapping one chunk at a time, or by an ERROR naming what was wrong with it.
 *
 * <p>Besides tensor names, two pseudo-names address the file itself: {@link #FILE} (length 0; the
 * answer is one empty chunk whose {@code offset} is the header's length and whose {@code totalLength}
 * is the file size) and {@link #HEADER} (the bytes before the tensor data: metadata and tensor infos).
 */
public final class ShardServer {
    /** Pseudo-tensor: the file's size in {@code totalLength} of an empty chunk. */
    public static final String FILE = "(gguf file)";
    /** Pseudo-tensor: bytes {@code [0, dataOffset)} of the file. */
    public static final String HEADER = "(gguf header)";
    /** Largest piece of a tensor in one frame. */
    public static final int CHUNK_BYTES = 1 << 20;

    private final GgufFile file;
    private final TensorHashes hashes;
    private final int chunkBytes;

    public ShardServer(GgufFile file, TensorHashes hashes) {
        this(file, hashes, CHUNK_BYTES);
    }

    ShardServer(GgufFile file, TensorHashes hashes, int chunkBytes) {
        this.file = file;
        this.hashes = hashes;
        this.chunkBytes = chunkBytes;
    }

    /**
     * Serves {@code first} and every further request on {@code connection} until the peer closes
     * it or sends CLOSE.
     */
    public void serve(Connection connection, Message.ShardRequest first) throws IOException {
        Message in = first;
        while (in instanceof Message.ShardRequest request) {
            answer(connection, request);
            in = connection.receive();
        }
        if (!(in instanceof Message.Close)) {
            connection.send(new Message.Error(0, ErrorCode.BAD_REQUEST, "a shard connection carries SHARD_REQUEST"
                    + " and CLOSE only, got " + in.type()));
        }
    }

    private void answer(Connection connection, Message.ShardRequest request) throws IOException {
        String problem = check(request);
        if (problem != null) {
            connection.send(new Message.Error(request.requestId(), ErrorCode.NOT_FOUND, problem));
            return;
        }
        String name = request.tensorName();
        if (name.equals(FILE)) {
            connection.send(new Message.ShardChunk(request.requestId(), FILE, file.dataOffset(), file.fileSize(),
                    new byte[0]));
            return;
        }
        // the header is read from the file (GgufFile maps tensor data only); tensors from the mapping
        MemorySegment data = name.equals(HEADER) ? null : file.data(file.requireTensor(name));
        long size = size(name);
        long end = request.offset() + request.length();
        try (FileChannel channel = data == null ? FileChannel.open(file.path(), StandardOpenOption.READ) : null) {
            for (long at = request.offset(); at < end; at += chunkBytes) {
                byte[] chunk = new byte[(int) Math.min(chunkBytes, end - at)];
                if (data != null) {
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, chunk, 0, chunk.length);
                } else {
                    readFully(channel, chunk, at);
                }
                connection.send(new Message.ShardChunk(request.requestId(), name, at, size, chunk));
            }
        }
    }

    private void readFully(FileChannel channel, byte[] chunk, long at) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(chunk);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new EOFException(file.path() + ": ends before offset " + (at + buffer.position()));
            }
        }
    }

    /** Why {@code request} cannot be answered, or null. */
    private String check(Message.ShardRequest request) {
        if (!request.modelHash().equals(hashes.modelVersion())) {
            return "this member holds model version " + hashes.modelVersion() + ", not " + request.modelHash();
        }
        String name = request.tensorName();
        if (!name.equals(FILE) && !name.equals(HEADER) && !file.hasTensor(name)) {
            return "model version " + request.modelHash() + " has no tensor '" + name + "'";
        }
        long size = size(name);
        if (request.offset() < 0 || request.length() < 0 || request.offset() + request.length() > size) {
            return "bytes [" + request.offset() + ", " + (request.offset() + request.length()) + ") are outside '"
                    + name + "' of " + size + " bytes";
        }
        return null;
    }

    /** Bytes of a tensor or of the header; 0 for {@link #FILE}. */
    private long size(String name) {
        return switch (name) {
            case FILE -> 0;
            case HEADER -> file.dataOffset();
            default -> file.requireTensor(name).byteSize();
        };
    }
}
