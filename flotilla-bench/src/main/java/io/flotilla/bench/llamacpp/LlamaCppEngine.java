package io.flotilla.bench.llamacpp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.flotilla.bench.EngineRun;
import io.flotilla.bench.EngineTarget;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * llama.cpp (the library inside {@code de.kherud:llama}) as a benchmark target: the same prompt
 * token ids decoded in one {@code llama_decode} call from an empty cache, then greedy decode steps
 * of one token each (argmax of the last logits, as Flotilla's benchmark does), timed in Java.
 * Batch and micro-batch hold the whole prompt (up to 512 tokens per micro-batch, llama-bench's
 * default). Not thread-safe.
 */
public final class LlamaCppEngine implements EngineTarget {
    private final LlamaCppLibrary api;
    private final MemorySegment model;
    private final MemorySegment context;
    private final int vocabSize;
    private final int capacity;

    private LlamaCppEngine(LlamaCppLibrary api, MemorySegment model, MemorySegment context, int capacity)
            throws Throwable {
        this.api = api;
        this.model = model;
        this.context = context;
        this.capacity = capacity;
        MemorySegment vocab = (MemorySegment) api.modelVocab.invokeExact(model);
        this.vocabSize = (int) api.vocabSize.invokeExact(vocab);
    }

    /**
     * Loads {@code gguf} (memory-mapped, as llama.cpp does by default) with room for
     * {@code promptTokens + genTokens} positions, on {@code threads} threads.
     *
     * @throws IOException when the file is absent or llama.cpp refuses it
     */
    public static LlamaCppEngine open(Path gguf, int threads, int promptTokens, int genTokens) throws IOException {
        if (!Files.isRegularFile(gguf)) {
            throw new NoSuchFileException(gguf.toString());
        }
        LlamaCppLibrary api = LlamaCppLibrary.get();
        int capacity = promptTokens + genTokens;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mp = (MemorySegment) api.modelDefaultParams.invokeExact((SegmentAllocator) arena);
            MemorySegment model = (MemorySegment) api.modelLoad.invokeExact(arena.allocateFrom(
                    gguf.toAbsolutePath().toString()), mp);
            if (model.equals(MemorySegment.NULL)) {
                throw new IOException(gguf + ": llama.cpp could not load this model");
            }
            MemorySegment cp = (MemorySegment) api.contextDefaultParams.invokeExact((SegmentAllocator) arena);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_CTX, capacity);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_BATCH, Math.max(promptTokens, 1));
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_UBATCH, Math.min(Math.max(promptTokens, 1), 512));
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_THREADS, threads);
            cp.set(JAVA_INT, LlamaCppLibrary.CTX_N_THREADS_BATCH, threads);
            MemorySegment context = (MemorySegment) api.contextInit.invokeExact(model, cp);
            if (context.equals(MemorySegment.NULL)) {
                api.modelFree.invokeExact(model);
                throw new IOException(gguf + ": llama.cpp could not create a context of " + capacity + " tokens");
            }
            return new LlamaCppEngine(api, model, context, capacity);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("llama.cpp call failed for " + gguf, t);
        }
    }

    @Override
    public String name() {
        return "llama.cpp (de.kherud:llama 4.2.0)";
    }

    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public EngineRun run(int[] prompt, int genTokens) {
        if (prompt.length + genTokens > capacity) {
            throw new IllegalArgumentException(prompt.length + " + " + genTokens + " tokens exceed the context of "
                    + capacity);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment batch = (MemorySegment) api.batchInit.invokeExact((SegmentAllocator) arena,
                    prompt.length, 0, 1);
            try {
                api.kvClear.invokeExact(context);
                long t0 = System.nanoTime();
                int next = decode(batch, prompt, prompt.length, 0);
                long t1 = System.nanoTime();
                int[] one = new int[1];
                for (int i = 0; i < genTokens; i++) {
                    one[0] = next;
                    next = decode(batch, one, 1, prompt.length + i);
                }
                long t2 = System.nanoTime();
                return EngineRun.of(prompt.length, t1 - t0, genTokens, t2 - t1);
            } finally {
                api.batchFree.invokeExact(batch);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("llama.cpp decode failed", t);
        }
    }

    /** Decodes {@code n} tokens at positions {@code pos0..}; returns the argmax of the last logits. */
    private int decode(MemorySegment batch, int[] tokens, int n, int pos0) throws Throwable {
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
            logits.set(JAVA_BYTE, i, (byte) (i == n - 1 ? 1 : 0));
        }
        batch.set(JAVA_INT, 0, n);
        int rc = (int) api.decode.invokeExact(context, batch);
        if (rc != 0) {
            throw new IllegalStateException("llama_decode returned " + rc + " for " + n + " tokens at " + pos0);
        }
        MemorySegment last = ((MemorySegment) api.logitsIth.invokeExact(context, n - 1)).reinterpret(4L * vocabSize);
        int best = 0;
        float max = last.getAtIndex(JAVA_FLOAT, 0);
        for (int i = 1; i < vocabSize; i++) {
            float v = last.getAtIndex(JAVA_FLOAT, i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        try {
            api.contextFree.invokeExact(context);
            api.modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw new IllegalStateException("freeing the llama.cpp model failed", t);
        }
    }
}
