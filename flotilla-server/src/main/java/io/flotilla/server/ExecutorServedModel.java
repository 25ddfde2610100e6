package io.flotilla.server;

import io.flotilla.chat.ChatTemplate;
import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.EngineLoop;
import io.flotilla.exec.Executor;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kvcache.KvCacheConfig;
import io.flotilla.sched.SchedulerConfig;
import io.flotilla.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A model whose weights live elsewhere (e.g. a cluster's pipeline stages): the tokenizer and
 * chat template come from the GGUF file's metadata, the forward passes from the given
 * {@link Executor} under an {@link EngineCore} and its {@link EngineLoop}. {@link #close()} stops
 * the loop and the engine.
 */
public final class ExecutorServedModel implements ServedModel, AutoCloseable {
    private final String name;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final int contextLength;
    private final EngineCore engine;
    private final EngineLoop loop;
    private final BooleanSupplier ready;
    private volatile boolean closed;

    private ExecutorServedModel(String name, Tokenizer tokenizer, ChatTemplate chatTemplate, int contextLength,
            EngineCore engine, BooleanSupplier ready) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.contextLength = contextLength;
        this.engine = engine;
        this.loop = new EngineLoop(engine);
        this.ready = ready;
    }

    /**
     * Reads the tokenizer and template of {@code path} and starts an engine over the executor
     * {@code executorFactory} makes for its settings: context {@code config.contextLength()} (must
     * be set), {@code config.kvBlocks()} blocks (0 = {@code maxNumSeqs} full contexts); {@code ready}
     * answers {@code GET /ready}.
     */
    public static ExecutorServedModel start(Path path, LocalServingConfig config,
            Function<EngineConfig, Executor> executorFactory, BooleanSupplier ready) throws IOException {
        int ctx = config.contextLength();
        if (ctx < 1) {
            throw new IllegalArgumentException("a context length is needed to serve " + path + ", got " + ctx);
        }
        Tokenizer tokenizer;
        ChatTemplate template;
        try (GgufFile file = GgufFile.open(path)) {
            tokenizer = Tokenizer.fromGguf(file.metadata());
            String source = file.metadata().getString("tokenizer.chat_template", null);
            template = source == null ? ChatTemplate.fallback()
                    : ChatTemplate.of(source, text(tokenizer, tokenizer.bos()), text(tokenizer, tokenizer.eos()));
        }
        EngineConfig engineConfig = new EngineConfig(
                new SchedulerConfig(config.effectiveTokenBudget(), config.maxNumSeqs(), ctx,
                        LocalServedModel.endOfGenerationIds(tokenizer), false),
                new KvCacheConfig(config.effectiveKvBlocks(ctx, 1), LocalServingConfig.BLOCK_SIZE,
                        config.prefixCaching()));
        String name = config.name() != null ? config.name() : LocalServedModel.defaultName(path);
        ExecutorServedModel served = new ExecutorServedModel(name, tokenizer, template, ctx,
                new EngineCore(engineConfig, executorFactory.apply(engineConfig)), ready);
        served.loop.start();
        return served;
    }

    private static String text(Tokenizer t, int id) {
        return id < 0 ? "" : t.tokenText(id);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ChatTemplate chatTemplate() {
        return chatTemplate;
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
        return !closed && ready.getAsBoolean();
    }

    @Override
    public void close() {
        closed = true;
        loop.close();
        engine.close();
    }
}
