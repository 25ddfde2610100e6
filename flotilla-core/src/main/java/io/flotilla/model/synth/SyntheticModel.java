package io.flotilla.model.synth;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufValue;
import io.flotilla.gguf.GgufWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes GGUF files of a given {@link SyntheticSpec} with seeded random weights, laid out as
 * llama.cpp's converter lays out such a model (tensor names, shapes, types and metadata keys), with
 * a generated SentencePiece vocabulary or the vocabulary of another GGUF file.
 *
 * <p>Memory stays bounded: tensor data is drawn chunk by chunk into a scratch file beside the
 * target, which is then mapped and handed to {@link GgufWriter}; the file appears atomically.
 */
public final class SyntheticModel {
    private static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;
    private static final int THREADS = Math.min(2, Runtime.getRuntime().availableProcessors());

    private SyntheticModel() {}

    /** The parameter count of {@code spec}, without writing anything. */
    public static long parameters(SyntheticSpec spec) {
        return SyntheticTensor.plan(spec).stream().mapToLong(SyntheticTensor::elements).sum();
    }

    /** The bytes of tensor data {@code spec} takes (the file adds metadata and padding). */
    public static long tensorBytes(SyntheticSpec spec) {
        return SyntheticTensor.plan(spec).stream().mapToLong(SyntheticTensor::byteSize).sum();
    }

    /** Writes {@code spec} to {@code target} with a generated vocabulary of {@code spec.vocab()} tokens. */
    public static SyntheticModelStats write(SyntheticSpec spec, Path target) throws IOException {
        SyntheticVocab vocab = SyntheticVocab.generate(spec.vocab());
        return write(spec, target, vocab::writeTo);
    }

    /**
     * Writes {@code spec} to {@code target} with the tokenizer of {@code vocabSource} (every
     * {@code tokenizer.*} key copied); the vocabulary size becomes that tokenizer's.
     */
    public static SyntheticModelStats write(SyntheticSpec spec, Path target, Path vocabSource) throws IOException {
        try (GgufFile src = GgufFile.open(vocabSource)) {
            GgufMetadata meta = src.metadata();
            if (!meta.contains("tokenizer.ggml.tokens")) {
                throw new IOException(vocabSource + ": no tokenizer.ggml.tokens to copy a vocabulary from");
            }
            int size = meta.getStringArray("tokenizer.ggml.tokens").length;
            return write(spec.withVocab(size), target, w -> {
                for (Map.Entry<String, GgufValue> kv : meta.asMap().entrySet()) {
                    if (kv.getKey().startsWith("tokenizer.")) {
                        w.put(kv.getKey(), kv.getValue());
                    }
                }
            });
        }
    }

    private static SyntheticModelStats write(SyntheticSpec spec, Path target, java.util.function.Consumer<GgufWriter> tokenizer)
            throws IOException {
        long start = System.nanoTime();
        List<SyntheticTensor> tensors = SyntheticTensor.plan(spec);
        GgufWriter w = new GgufWriter();
        SyntheticMetadata.write(spec, w);
        tokenizer.accept(w);
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path scratch = Files.createTempFile(dir, target.getFileName().toString(), ".data");
        long parameters = 0;
        try {
            long[] offsets = writeData(tensors, spec.seed(), scratch);
            try (Arena arena = Arena.ofConfined();
                 FileChannel ch = FileChannel.open(scratch, StandardOpenOption.READ)) {
                MemorySegment data = ch.size() == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                for (int i = 0; i < tensors.size(); i++) {
                    SyntheticTensor t = tensors.get(i);
                    w.addTensor(t.name(), t.type(), t.ne(), data.asSlice(offsets[i], t.byteSize()));
                    parameters += t.elements();
                }
                w.write(target);
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new SyntheticModelStats(target, spec, Files.size(target), parameters, seconds);
    }

    /** Draws every tensor into {@code scratch}, each at an aligned offset; returns the offsets. */
    private static long[] writeData(List<SyntheticTensor> tensors, long seed, Path scratch) throws IOException {
        long[] offsets = new long[tensors.size()];
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "synthetic-weights");
            t.setDaemon(true);
            return t;
        });
        try (FileChannel out = FileChannel.open(scratch, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            for (int i = 0; i < tensors.size(); i++) {
                offsets[i] = pos;
                pos += writeTensor(new WeightChunks(tensors.get(i), seed), pool, out);
                long aligned = (pos + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
                writeFully(out, ByteBuffer.allocate((int) (aligned - pos)));
                pos = aligned;
            }
        } finally {
            pool.shutdownNow();
        }
        return offsets;
    }

    /** Writes the chunks of one tensor in order while up to {@code 2 * THREADS} are drawn ahead. */
    private static long writeTensor(WeightChunks chunks, ExecutorService pool, FileChannel out) throws IOException {
        Deque<Future<byte[]>> pending = new ArrayDeque<>();
        int next = 0;
        long written = 0;
        while (next < chunks.count() || !pending.isEmpty()) {
            while (next < chunks.count() && pending.size() < 2 * THREADS) {
                int c = next++;
                pending.add(pool.submit(() -> chunks.encode(c)));
            }
            byte[] bytes = await(pending.removeFirst());
            writeFully(out, ByteBuffer.wrap(bytes));
            written += bytes.length;
        }
        return written;
    }

    private static byte[] await(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while drawing synthetic weights");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("drawing synthetic weights failed", e.getCause());
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** The {@code general.file_type} llama.cpp reports for a file whose large matrices are {@code type}. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q4_K -> 14;
            case Q5_K -> 16;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new UnsupportedOperationException("no synthetic models in " + type);
        };
    }
}
