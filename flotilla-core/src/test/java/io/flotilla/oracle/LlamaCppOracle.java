package io.flotilla.oracle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.flotilla.testkit.llamacpp.LlamaCppContext;
import io.flotilla.testkit.llamacpp.LlamaCppLibrary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * llama.cpp as a correctness oracle: loads a GGUF file through llama.cpp's C API (the library that
 * {@code de.kherud:llama} ships, bound in flotilla-testkit's {@link LlamaCppContext}) and answers
 * with token ids, greedy continuations, next-token log-probabilities and perplexity computed the
 * way llama.cpp's {@code llama-perplexity} tool computes it. Not thread-safe; load one per test class.
 */
public final class LlamaCppOracle implements AutoCloseable {
    private final LlamaCppContext llama;
    private final LlamaCppLibrary api;
    private final MemorySegment vocab;
    private final int ctx;
    private final int vocabSize;

    private LlamaCppOracle(LlamaCppContext llama) {
        this.llama = llama;
        this.api = llama.api();
        this.vocab = llama.vocab();
        this.ctx = llama.contextSize();
        this.vocabSize = llama.vocabSize();
    }

    /**
     * Loads {@code gguf} with a context of {@code ctx} tokens (also the batch size) and
     * {@code threads} CPU threads.
     *
     * @throws IOException when the file is absent or llama.cpp refuses it (unknown architecture,
     *                     missing tensor, wrong shape: llama.cpp's log has the reason)
     */
    public static LlamaCppOracle open(Path gguf, int ctx, int threads) throws IOException {
        return new LlamaCppOracle(LlamaCppContext.open(gguf, ctx, ctx, ctx, threads));
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
        llama.clear();
    }

    /** Decodes {@code tokens} at positions {@code pos0..}; logits of every token, or of the last only. */
    private float[][] evaluate(int[] tokens, int pos0, boolean all) {
        llama.decode(tokens, tokens.length, pos0, all);
        float[][] out = new float[all ? tokens.length : 1][];
        for (int k = 0; k < out.length; k++) {
            out[k] = llama.logits(all ? k : tokens.length - 1).toArray(JAVA_FLOAT);
        }
        return out;
    }

    @Override
    public void close() {
        llama.close();
    }
}
