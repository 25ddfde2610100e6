package io.flotilla.bench.serve;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import io.flotilla.testkit.llamacpp.LlamaCppLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * llama.cpp's server loop run in-process by {@code de.kherud:llama} (continuous batching over
 * {@code parallel} slots, each with {@code ctxPerSlot} positions), driven by the load benchmark's
 * client threads with the same prompts: the baseline for {@code flotilla serve}. Each streamed
 * output is one token; TTFT runs from submitting the request to the first output with text. No
 * HTTP is involved, which favours llama.cpp slightly. The native library keeps a non-daemon thread
 * after {@link #close()}: command-line tools must exit explicitly.
 */
public final class LlamaCppServerClient implements CompletionClient {
    private final Path model;
    private final int parallel;
    private final LlamaModel llama;

    /**
     * Loads {@code model} with {@code parallel} slots on {@code threads} threads.
     *
     * @throws NoSuchFileException when the model file does not exist
     * @throws IOException when the native library cannot be extracted
     */
    public LlamaCppServerClient(Path model, int parallel, int threads, int ctxPerSlot) throws IOException {
        if (!Files.isRegularFile(model)) {
            throw new NoSuchFileException(model.toString());
        }
        if (parallel < 1 || threads < 1 || ctxPerSlot < 1) {
            throw new IllegalArgumentException("parallel, threads and context per slot must be >= 1, got " + parallel
                    + ", " + threads + ", " + ctxPerSlot);
        }
        this.model = model;
        this.parallel = parallel;
        LlamaCppLibrary.prepareJavaBinding();
        LlamaModel.setLogger(LogFormat.TEXT, (level, text) -> {});
        this.llama = new LlamaModel(new ModelParameters().setModel(model.toAbsolutePath().toString())
                .setParallel(parallel).setCtxSize(parallel * ctxPerSlot).setThreads(threads).setThreadsBatch(threads)
                .enableContBatching().disableLog());
    }

    @Override
    public RequestTiming complete(String prompt, int maxTokens) {
        InferenceParameters p = new InferenceParameters(prompt).setNPredict(maxTokens).setIgnoreEos(true)
                .setTemperature(0f).setCachePrompt(true);
        long start = System.nanoTime();
        StreamTimer timer = new StreamTimer(start);
        int tokens = 0;
        for (LlamaOutput out : llama.generate(p)) {
            if (!out.text.isEmpty()) {
                timer.content();
                tokens++;
            }
        }
        timer.usage(tokens, llama.encode(prompt).length);
        return timer.finish();
    }

    @Override
    public String toString() {
        return "llama.cpp server loop (de.kherud:llama 4.2.0, " + parallel + " slots) on " + model;
    }

    @Override
    public void close() {
        llama.close();
    }
}
