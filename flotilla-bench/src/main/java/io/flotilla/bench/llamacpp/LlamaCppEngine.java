package io.flotilla.bench.llamacpp;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.flotilla.bench.EngineRun;
import io.flotilla.bench.EngineTarget;
import io.flotilla.testkit.llamacpp.LlamaCppContext;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * llama.cpp (the library inside {@code de.kherud:llama}) as a benchmark target: the same prompt
 * token ids decoded in one {@code llama_decode} call from an empty cache, then greedy decode steps
 * of one token each (argmax of the last logits, as Flotilla's benchmark does), timed in Java.
 * Batch and micro-batch hold the whole prompt (up to 512 tokens per micro-batch, llama-bench's
 * default). Not thread-safe.
 */
public final class LlamaCppEngine implements EngineTarget {
    private final LlamaCppContext llama;
    private final int capacity;

    private LlamaCppEngine(LlamaCppContext llama, int capacity) {
        this.llama = llama;
        this.capacity = capacity;
    }

    /**
     * Loads {@code gguf} (memory-mapped, as llama.cpp does by default) with room for
     * {@code promptTokens + genTokens} positions, on {@code threads} threads.
     *
     * @throws IOException when the file is absent or llama.cpp refuses it
     */
    public static LlamaCppEngine open(Path gguf, int threads, int promptTokens, int genTokens) throws IOException {
        int capacity = promptTokens + genTokens;
        int batch = Math.max(promptTokens, 1);
        return new LlamaCppEngine(LlamaCppContext.open(gguf, capacity, batch, Math.min(batch, 512), threads), capacity);
    }

    @Override
    public String name() {
        return "llama.cpp (de.kherud:llama 4.2.0)";
    }

    public int vocabSize() {
        return llama.vocabSize();
    }

    @Override
    public EngineRun run(int[] prompt, int genTokens) {
        if (prompt.length + genTokens > capacity) {
            throw new IllegalArgumentException(prompt.length + " + " + genTokens + " tokens exceed the context of "
                    + capacity);
        }
        llama.clear();
        long t0 = System.nanoTime();
        int next = decode(prompt, prompt.length, 0);
        long t1 = System.nanoTime();
        int[] one = new int[1];
        for (int i = 0; i < genTokens; i++) {
            one[0] = next;
            next = decode(one, 1, prompt.length + i);
        }
        long t2 = System.nanoTime();
        return EngineRun.of(prompt.length, t1 - t0, genTokens, t2 - t1);
    }

    @Override
    public void prime() {
        llama.clear();
        decode(new int[] {0}, 1, 0);
    }

    /** Decodes {@code n} tokens at positions {@code pos0..}; returns the argmax of the last logits. */
    private int decode(int[] tokens, int n, int pos0) {
        llama.decode(tokens, n, pos0, false);
        MemorySegment last = llama.logits(n - 1);
        int best = 0;
        float max = last.getAtIndex(JAVA_FLOAT, 0);
        for (int i = 1; i < llama.vocabSize(); i++) {
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
        llama.close();
    }
}
