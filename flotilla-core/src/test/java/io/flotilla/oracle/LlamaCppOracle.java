package io.flotilla.oracle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * llama.cpp as a correctness oracle: loads a GGUF file through llama.cpp's C API (the library that
 * {@code de.kherud:llama} ships, see {@link LlamaCppNative}) and answers with token ids, greedy
 * continuations, next-token log-probabilities and perplexity computed the way llama.cpp's
 * {@code llama-perplexity} tool computes it. Not thread-safe; load one per test class.
 */
public final class LlamaCppOracle implements AutoCloseable {
    private final LlamaCppNative api;
    private final MemorySegment model;
    private final MemorySegment context;
    private final MemorySegment vocab;
    private final int ctx;
    private final int vocabSize;

    private LlamaCppOracle(LlamaCppNative api, MemorySegment model, MemorySegment context, int ctx) throws Throwable {
        this.api = api;
        this.model = model;
        this.context = context;
        this.ctx = ctx;
        this.vocab = (MemorySegment) api.modelVocab.invokeExact(model);
        this.vocabSize = (int) api.vocabSize.invokeExact(vocab);
    }

    /**
     * Loads {@code gguf} with a context of {@code ctx} tokens (also the batch size) and
     * {@code threads} CPU threads.
     *
     * @throws IOException when the file is absent or llama.cpp refuses it (unknown architecture,
     *                     missing tensor, wrong shape: llama.cpp's log has the reason)
     */
    public static LlamaCppOracle open(Path gguf, int ctx, int threads) throws IOException {
        if (!Files.isRegularFile(gguf)) {
            throw new NoSuchFileException(gguf.toString());
        }
        LlamaCppNative api = LlamaCppNative.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mp = (MemorySegment) api.modelDefaultParams.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            MemorySegment path = arena.allocateFrom(gguf.toAbsolutePath().toString());
            MemorySegment model = (MemorySegment) api.modelLoad.invokeExact(path, mp);
            if (model.equals(MemorySegment.NULL)) {
                throw new IOException(gguf + ": llama.cpp could not load this model");
            }
            MemorySegment cp = (MemorySegment) api.contextDefaultParams.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            cp.set(JAVA_INT, LlamaCppNative.CTX_N_CTX, ctx);
            cp.set(JAVA_INT, LlamaCppNative.CTX_N_BATCH, ctx);
            cp.set(JAVA_INT, LlamaCppNative.CTX_N_UBATCH, ctx);
            cp.set(JAVA_INT, LlamaCppNative.CTX_N_THREADS, threads);
            cp.set(JAVA_INT, LlamaCppNative.CTX_N_THREADS_BATCH, threads);
            MemorySegment context = (MemorySegment) api.contextInit.invokeExact(model, cp);
            if (context.equals(MemorySegment.NULL)) {
                api.modelFree.invokeExact(model);
                throw new IOException(gguf + ": llama.cpp could not create a context of " + ctx + " tokens");
            }
            return new LlamaCppOracle(api, model, context, ctx);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("llama.cpp call failed for " + gguf, t);
        }
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The begin-of-sequence token id. */
    public int bos() {
        try {
            return (int) api.vocabBos.invokeExact(vocab);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** llama.cpp's token ids of {@code text}; with {@code addSpecial}, BOS first when the vocabulary asks for it. */
    public int[] encode(String text, boolean addSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, in, JAVA_BYTE, 0, utf8.length);
            int cap = utf8.length + 8;
            MemorySegment out = arena.allocate(JAVA_INT, cap);
            int n = (int) api.tokenize.invokeExact(vocab, in, utf8.length, out, cap, addSpecial, false);
            if (n < 0) {
                throw new IllegalStateException("llama_tokenize needs " + -n + " slots, had " + cap);
            }
            return out.asSlice(0, 4L * n).toArray(JAVA_INT);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The text of {@code ids}, piece by piece as llama.cpp renders them (special tokens left out). */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            for (int id : ids) {
                int n = (int) api.tokenToPiece.invokeExact(vocab, id, buf, 256, 0, false);
                if (n < 0) {
                    throw new IllegalStateException("token " + id + " has a piece longer than 256 bytes");
                }
                bytes.writeBytes(buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The {@code n} tokens greedy decoding (argmax, lowest id on ties) appends to {@code prompt}. */
    public int[] greedy(int[] prompt, int n) {
        requireFits(prompt.length + n);
        int[] out = new int[n];
        clear();
        float[] logits = evaluate(prompt, 0, false)[0];
        for (int i = 0; i < n; i++) {
            out[i] = argmax(logits);
            if (i + 1 < n) {
                logits = evaluate(new int[] {out[i]}, prompt.length + i, false)[0];
            }
        }
        return out;
    }

    /** Greedy continuation of {@code prompt} (encoded with BOS) as text. */
    public String complete(String prompt, int n) {
        return decode(greedy(encode(prompt, true), n));
    }

    /** The logits after each token of {@code tokens}, evaluated from an empty cache: {@code [tokens.length][vocab]}. */
    public float[][] logits(int[] tokens) {
        requireFits(tokens.length);
        clear();
        return evaluate(tokens, 0, true);
    }

    /**
     * {@code log p(tokens[i + 1] | tokens[0..i])} for every {@code i} in {@code [from, tokens.length - 1)},
     * by a numerically careful log-softmax over the whole vocabulary.
     */
    public double[] nextTokenLogProbs(int[] tokens, int from) {
        float[][] all = logits(tokens);
        double[] out = new double[tokens.length - 1 - from];
        for (int i = from; i < tokens.length - 1; i++) {
            out[i - from] = logSoftmax(all[i], tokens[i + 1]);
        }
        return out;
    }

    /**
     * Perplexity as llama.cpp's {@code llama-perplexity} computes it: {@code tokens} (the whole text
     * tokenized once, with BOS) is cut into {@code tokens.length / ctx} chunks of {@code ctx} tokens;
     * each chunk is evaluated from an empty cache with its first token replaced by BOS, and the
     * tokens of its second half are scored.
     */
    public LlamaCppPerplexity perplexity(int[] tokens, int chunkCtx) {
        requireFits(chunkCtx);
        int chunks = tokens.length / chunkCtx;
        if (chunks < 2) {
            throw new IllegalArgumentException("need at least 2 chunks of " + chunkCtx + " tokens, got " + tokens.length + " tokens");
        }
        int first = chunkCtx / 2;
        double nll = 0;
        int count = 0;
        for (int c = 0; c < chunks; c++) {
            int[] chunk = Arrays.copyOfRange(tokens, c * chunkCtx, (c + 1) * chunkCtx);
            chunk[0] = bos();
            for (double lp : nextTokenLogProbs(chunk, first)) {
                nll -= lp;
                count++;
            }
        }
        return new LlamaCppPerplexity(Math.exp(nll / count), nll / count, count, chunks);
    }

    /** {@link #perplexity(int[], int)} of {@code text}, tokenized once with BOS as llama-perplexity does. */
    public LlamaCppPerplexity perplexity(String text, int chunkCtx) {
        return perplexity(encode(text, true), chunkCtx);
    }

    static double logSoftmax(float[] logits, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[target] - max - Math.log(sum);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private void requireFits(int tokens) {
        if (tokens > ctx) {
            throw new IllegalArgumentException(tokens + " tokens do not fit the oracle's context of " + ctx);
        }
    }

    private void clear() {
        try {
            api.kvClear.invokeExact(context);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Decodes {@code tokens} at positions {@code pos0..}; logits of every token, or of the last only. */
    private float[][] evaluate(int[] tokens, int pos0, boolean all) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment batch = (MemorySegment) api.batchInit.invokeExact((java.lang.foreign.SegmentAllocator) arena,
                    tokens.length, 0, 1);
            try {
                fill(batch, tokens, pos0, all);
                int rc = (int) api.decode.invokeExact(context, batch);
                if (rc != 0) {
                    throw new IllegalStateException("llama_decode returned " + rc + " for " + tokens.length + " tokens at " + pos0);
                }
                float[][] out = new float[all ? tokens.length : 1][];
                for (int k = 0; k < out.length; k++) {
                    int i = all ? k : tokens.length - 1;
                    MemorySegment p = (MemorySegment) api.logitsIth.invokeExact(context, i);
                    out[k] = p.reinterpret(4L * vocabSize).toArray(JAVA_FLOAT);
                }
                return out;
            } finally {
                api.batchFree.invokeExact(batch);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void fill(MemorySegment batch, int[] tokens, int pos0, boolean all) {
        int n = tokens.length;
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
            logits.set(JAVA_BYTE, i, (byte) (all || i == n - 1 ? 1 : 0));
        }
        batch.set(JAVA_INT, 0, n);
    }

    @Override
    public void close() {
        try {
            api.contextFree.invokeExact(context);
            api.modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw new IllegalStateException("freeing llama.cpp model failed", t);
        }
    }
}
