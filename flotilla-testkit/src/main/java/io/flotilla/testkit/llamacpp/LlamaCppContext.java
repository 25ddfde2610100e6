package io.flotilla.testkit.llamacpp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * One llama.cpp model with one context and one token batch: load a GGUF file (memory-mapped, as
 * llama.cpp does by default), decode tokens of sequence 0 at given positions, read the logits.
 * Not thread-safe; close it to free the native model, context and batch.
 */
public final class LlamaCppContext implements AutoCloseable {
    private final LlamaCppLibrary api;
    private final Path file;
    private final MemorySegment model;
    private final MemorySegment context;
    private final MemorySegment vocab;
    private final int vocabSize;
    private final int contextSize;
    private final int batchSize;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment batch;

    private LlamaCppContext(LlamaCppLibrary api, Path file, MemorySegment model, MemorySegment context,
            int contextSize, int batchSize) throws Throwable {
        this.api = api;
        this.file = file;
        this.model = model;
        this.context = context;
        this.contextSize = contextSize;
        this.batchSize = batchSize;
        this.vocab = (MemorySegment) api.modelVocab.invokeExact(model);
        this.vocabSize = (int) api.vocabSize.invokeExact(vocab);
        this.batch = (MemorySegment) api.batchInit.invokeExact((SegmentAllocator) arena, batchSize, 0, 1);
    }

    /**
     * Loads {@code gguf} with room for {@code contextSize} positions, batches of up to
     * {@code batchSize} tokens (split by llama.cpp into micro-batches of {@code microBatch}), on
     * {@code threads} CPU threads.
     *
     * @throws IOException when the file is absent or llama.cpp refuses it (unknown architecture,
     *                     missing tensor, wrong shape)
     */
    public static LlamaCppContext open(Path gguf, int contextSize, int batchSize, int microBatch, int threads)
            throws IOException {
        if (!Files.isRegularFile(gguf)) {
            throw new NoSuchFileException(gguf.toString());
        }
        if (contextSize < 1 || batchSize < 1 || microBatch < 1 || threads < 1) {
            throw new IllegalArgumentException("context " + contextSize + ", batch " + batchSize + ", micro-batch "
                    + microBatch + " and threads " + threads + " must all be at least 1");
        }
        LlamaCppLibrary api = LlamaCppLibrary.get();
        try (Arena params = Arena.ofConfined()) {
            MemorySegment mp = (MemorySegment) api.modelDefaultParams.invokeExact((SegmentAllocator) params);
            MemorySegment model = (MemorySegment) api.modelLoad.invokeExact(
                    params.allocateFrom(gguf.toAbsolutePath().toString()), mp);
            if (model.equals(MemorySegment.NULL)) {
                throw new IOException(gguf + ": llama.cpp could not load this model");
            }
            MemorySegment cp = (MemorySegment) api.contextDefaultParams.invokeExact((SegmentAllocator) params);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_CTX, contextSize);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_BATCH, batchSize);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_UBATCH, microBatch);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_THREADS, threads);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_THREADS_BATCH, threads);
            MemorySegment context = (MemorySegment) api.contextInit.invokeExact(model, cp);
            if (context.equals(MemorySegment.NULL)) {
                api.modelFree.invokeExact(model);
                throw new IOException(gguf + ": llama.cpp could not create a context of " + contextSize + " tokens");
            }
            return new LlamaCppContext(api, gguf, model, context, contextSize, batchSize);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("llama.cpp call failed for " + gguf, t);
        }
    }

    public LlamaCppLibrary api() {
        return api;
    }

    /** The model's {@code llama_vocab *}, for tokenizer calls. */
    public MemorySegment vocab() {
        return vocab;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int contextSize() {
        return contextSize;
    }

    /** Empties the KV cache. */
    public void clear() {
        try {
            api.kvClear.invokeExact(context);
        } catch (Throwable t) {
            throw new IllegalStateException("llama_kv_self_clear failed for " + file, t);
        }
    }

    /**
     * Decodes {@code tokens[0..n)} of sequence 0 at positions {@code pos0..}; asks for the logits of
     * every token when {@code allLogits}, else of the last one only.
     */
    public void decode(int[] tokens, int n, int pos0, boolean allLogits) {
        if (n < 1 || n > batchSize || n > tokens.length) {
            throw new IllegalArgumentException(n + " tokens do not fit a batch of " + batchSize + " (array of "
                    + tokens.length + ")");
        }
        fill(tokens, n, pos0, allLogits);
        int rc;
        try {
            rc = (int) api.decode.invokeExact(context, batch);
        } catch (Throwable t) {
            throw new IllegalStateException("llama_decode failed for " + file, t);
        }
        if (rc != 0) {
            throw new IllegalStateException("llama_decode returned " + rc + " for " + n + " tokens at position "
                    + pos0 + " of " + file);
        }
    }

    /** The logits ({@link #vocabSize()} floats) of the {@code i}-th token of the last decode. */
    public MemorySegment logits(int i) {
        try {
            return ((MemorySegment) api.logitsIth.invokeExact(context, i)).reinterpret(4L * vocabSize);
        } catch (Throwable t) {
            throw new IllegalStateException("llama_get_logits_ith(" + i + ") failed for " + file, t);
        }
    }

    private void fill(int[] tokens, int n, int pos0, boolean allLogits) {
        long off = 8; // n_tokens (int) and padding
        MemorySegment token = batch.get(ADDRESS, off).reinterpret(4L * n);
        MemorySegment pos = batch.get(ADDRESS, off + 16).reinterpret(4L * n);
        MemorySegment nSeqId = batch.get(ADDRESS, off + 24).reinterpret(4L * n);
        MemorySegment seqId = batch.get(ADDRESS, off + 32).reinterpret(ADDRESS.byteSize() * n);
        MemorySegment logits = batch.get(ADDRESS, off + 40).reinterpret(n);
        for (int i = 0; i < n; i++) {
            token.setAtIndex(JAVA_INT, i, tokens[i]);
            pos.setAtIndex(JAVA_INT, i, pos0 + i);
            nSeqId.setAtIndex(JAVA_INT, i, 1);
            seqId.getAtIndex(ADDRESS, i).reinterpret(4).set(JAVA_INT, 0, 0);
            logits.set(JAVA_BYTE, i, (byte) (allLogits || i == n - 1 ? 1 : 0));
        }
        batch.set(JAVA_INT, 0, n);
    }

    @Override
    public void close() {
        try {
            api.batchFree.invokeExact(batch);
            api.contextFree.invokeExact(context);
            api.modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw new IllegalStateException("freeing llama.cpp's model " + file + " failed", t);
        } finally {
            arena.close();
        }
    }
}
