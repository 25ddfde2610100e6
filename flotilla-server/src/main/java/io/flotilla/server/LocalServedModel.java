package io.flotilla.server;

import io.flotilla.chat.ChatTemplate;
import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.EngineLoop;
import io.flotilla.exec.Executor;
import io.flotilla.exec.LocalExecutor;
import io.flotilla.generate.LocalModel;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A GGUF model served on this machine: the model file, an {@link EngineCore} over a
 * {@link LocalExecutor} and the {@link EngineLoop} stepping it. {@link #close()} stops the loop
 * and unmaps the file.
 */
public final class LocalServedModel implements ServedModel, AutoCloseable {
    private final LocalModel model;
    private final String name;
    private final int contextLength;
    private final EngineCore engine;
    private final EngineLoop loop;
    private volatile boolean closed;

    private LocalServedModel(LocalModel model, String name, int contextLength, EngineCore engine) {
        this.model = model;
        this.name = name;
        this.contextLength = contextLength;
        this.engine = engine;
        this.loop = new EngineLoop(engine);
    }

    /** Opens {@code path} and starts its engine loop. */
    public static LocalServedModel start(Path path, LocalServingConfig config) throws IOException {
        if (config.prefixCaching()) { // LocalExecutor keeps each sequence's KV contiguous, not in the pool's blocks
            throw new IllegalArgumentException("prefix caching needs an executor that reads the paged KV cache;"
                    + " LocalExecutor does not");
        }
        return start(path, config, (m, engine) -> new LocalExecutor(m.model(), engine.scheduler().maxModelLength()));
    }

    /**
     * Opens {@code path} and starts an engine over the executor {@code executorFactory} makes from
     * the model and the engine's settings (another executor, or in tests one that scripts tokens
     * while the model's tokenizer and template stay real).
     */
    public static LocalServedModel start(Path path, LocalServingConfig config,
            BiFunction<LocalModel, EngineConfig, Executor> executorFactory)
            throws IOException {
        LocalModel model = LocalModel.open(path, config.threads());
        try {
            int ctx = model.contextLength(config.contextLength());
            EngineConfig engineConfig = new EngineConfig(
                    new SchedulerConfig(config.effectiveTokenBudget(), config.maxNumSeqs(), ctx,
                            endOfGenerationIds(model.tokenizer()), false),
                    new KvCacheConfig(config.effectiveKvBlocks(ctx), LocalServingConfig.BLOCK_SIZE, config.prefixCaching()));
            String name = config.name() != null ? config.name() : defaultName(path);
            LocalServedModel served = new LocalServedModel(model, name, ctx,
                    new EngineCore(engineConfig, executorFactory.apply(model, engineConfig)));
            served.loop.start();
            return served;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static String defaultName(Path path) {
        String file = path.getFileName().toString();
        return file.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
    }

    private static Set<Integer> endOfGenerationIds(Tokenizer tokenizer) {
        Set<Integer> ids = new HashSet<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (tokenizer.isEndOfGeneration(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public ChatTemplate chatTemplate() {
        return model.chatTemplate();
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public EngineCore engine() {
        return engine;
    }

    @Override
    public boolean ready() {
        return !closed;
    }

    /** The model this serves (its file, weights and tokenizer). */
    public LocalModel model() {
        return model;
    }

    @Override
    public void close() {
        closed = true;
        loop.close();
        engine.close();
        model.close();
    }
}
