package io.flotilla.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: metadata and tensor infos are parsed on open,
 * tensor data stays in the mapping and is never copied to the heap. Every structural problem is a
 * {@link GgufFormatException} naming the file, the offset and what was expected.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final Arena arena;
    private final MemorySegment mapping;

    private GgufFile(Path path, int version, GgufMetadata metadata, Map<String, GgufTensorInfo> tensors,
                     long dataOffset, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
        this.arena = arena;
        this.mapping = mapping;
    }

    /** Maps and parses {@code path}. */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parse(path, mapping, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, MemorySegment mapping, Arena arena) throws GgufFormatException {
        GgufCursor in = new GgufCursor(path, mapping);
        if (mapping.byteSize() < 4 || in.readInt("magic") != MAGIC) {
            throw new GgufFormatException(path, 0, "not a GGUF file: expected magic 'GGUF'");
        }
        int version = in.readInt("version");
        if (version == 1) {
            throw new GgufFormatException(path, 4, "GGUF version 1 is not supported: expected version 2 or 3");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) <= 3 ? " (a big-endian GGUF?)" : "";
            throw new GgufFormatException(path, 4, "unsupported GGUF version " + version + hint
                    + ": expected version 2 or 3");
        }
        long tensorCount = in.readCount("tensor count", 32);
        long kvCount = in.readCount("metadata count", 12);
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.readString("metadata key");
            if (kv.put(key, in.readValue(key)) != null) {
                throw new GgufFormatException(path, at, "duplicate metadata key '" + key + "'");
            }
        }
        GgufMetadata metadata = new GgufMetadata(kv);
        int alignment = alignment(path, metadata);
        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            GgufTensorInfo t = in.readTensorInfo();
            if (tensors.put(t.name(), t) != null) {
                throw new GgufFormatException(path, at, "duplicate tensor '" + t.name() + "'");
            }
        }
        long dataOffset = align(in.position(), alignment);
        checkTensorBounds(path, tensors, dataOffset, mapping.byteSize(), alignment);
        return new GgufFile(path, version, metadata, tensors, dataOffset, arena, mapping);
    }

    private static int alignment(Path path, GgufMetadata metadata) throws GgufFormatException {
        long a = metadata.getLong("general.alignment", DEFAULT_ALIGNMENT);
        if (a <= 0 || Long.bitCount(a) != 1 || a > 1 << 20) {
            throw new GgufFormatException(path, 0, "general.alignment is " + a + ", expected a power of two");
        }
        return (int) a;
    }

    private static void checkTensorBounds(Path path, Map<String, GgufTensorInfo> tensors, long dataOffset,
                                          long fileSize, int alignment) throws GgufFormatException {
        for (GgufTensorInfo t : tensors.values()) {
            long end = dataOffset + t.offset() + t.byteSize();
            if (t.offset() % alignment != 0) {
                throw new GgufFormatException(path, dataOffset + t.offset(), "tensor '" + t.name()
                        + "' data offset " + t.offset() + " is not aligned to " + alignment);
            }
            if (t.offset() < 0 || end > fileSize || end < dataOffset) {
                throw new GgufFormatException(path, dataOffset + t.offset(), "tensor '" + t.name() + "' needs "
                        + t.byteSize() + " bytes up to offset " + end + ", but the file ends at " + fileSize
                        + " (truncated?)");
            }
        }
    }

    static long align(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The named tensor's info, or null when the file has none of that name. */
    public GgufTensorInfo tensor(String name) {
        return tensors.get(name);
    }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /** The named tensor's info; throws {@link IllegalArgumentException} naming the file when absent. */
    public GgufTensorInfo requireTensor(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "' is missing");
        }
        return t;
    }

    /** The tensor's bytes, a slice of the mapping (not a copy). */
    public MemorySegment data(GgufTensorInfo tensor) {
        return mapping.asSlice(dataOffset + tensor.offset(), tensor.byteSize());
    }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    @Override
    public void close() {
        for (int attempt = 0; ; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                // Acquired by a native call that reads the mapping (the weights moving to huge pages
                // in the background, a few milliseconds a call): wait for it, at most about a second.
                if (!arena.scope().isAlive() || attempt >= 200) {
                    throw e;
                }
                LockSupport.parkNanos(5_000_000);
            }
        }
    }
}
