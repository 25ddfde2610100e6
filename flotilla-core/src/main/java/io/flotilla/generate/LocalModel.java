package io.flotilla.generate;

import io.flotilla.chat.ChatMessage;
import io.flotilla.chat.ChatTemplate;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Model;
import io.flotilla.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model file opened for use on this machine: the mapped GGUF, the model over it, its
 * tokenizer and chat template, and the threads it computes with. Closing it unmaps the file.
 */
public final class LocalModel implements AutoCloseable {
    /** Context used when the caller does not choose one and the model's own is larger. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    private final GgufFile file;
    private final Compute compute;
    private final Model model;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;

    private LocalModel(GgufFile file, Compute compute, Model model, Tokenizer tokenizer, ChatTemplate chatTemplate) {
        this.file = file;
        this.compute = compute;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
    }

    /**
     * Opens {@code path} with {@code threads} compute threads and starts the warm-up of the model's
     * kernels on a background thread (see {@link io.flotilla.model.ModelWarmUp}), so that it overlaps
     * with loading the tokenizer and chat template.
     */
    public static LocalModel open(Path path, int threads) throws IOException {
        GgufFile file = GgufFile.open(path);
        Compute compute = new Compute(threads);
        Model model = null;
        try {
            model = Model.load(file, compute);
            model.warmUp().start();
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            String source = file.metadata().getString("tokenizer.chat_template", null);
            ChatTemplate template = source == null ? ChatTemplate.fallback()
                    : ChatTemplate.of(source, text(tokenizer, tokenizer.bos()), text(tokenizer, tokenizer.eos()));
            return new LocalModel(file, compute, model, tokenizer, template);
        } catch (RuntimeException e) {
            if (model != null) {
                model.warmUp().close();
            }
            compute.close();
            file.close();
            throw e;
        }
    }

    private static String text(Tokenizer t, int id) {
        return id < 0 ? "" : t.tokenText(id);
    }

    public Path path() {
        return file.path();
    }

    public GgufFile file() {
        return file;
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** The model's name from its metadata, else the file name. */
    public String name() {
        return file.metadata().getString("general.name", file.path().getFileName().toString());
    }

    /** The context to use: {@code requested} if positive, else the model's, capped at {@link #DEFAULT_MAX_CONTEXT}. */
    public int contextLength(int requested) {
        int trained = model.config().contextLength();
        if (requested > 0) {
            return requested;
        }
        return trained > 0 ? Math.min(trained, DEFAULT_MAX_CONTEXT) : DEFAULT_MAX_CONTEXT;
    }

    /** Token ids of a plain-text prompt, with BOS as the model's metadata asks. */
    public int[] encodePrompt(String text) {
        return tokenizer.encode(text, true, false);
    }

    /**
     * Token ids of a conversation rendered by the model's chat template. Special tokens written by
     * the template are parsed; BOS is added only when the template did not write it already.
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        String rendered = chatTemplate.render(messages, true);
        String bos = text(tokenizer, tokenizer.bos());
        boolean templateHasBos = !bos.isEmpty() && rendered.startsWith(bos);
        return tokenizer.encode(rendered, !templateHasBos, true);
    }

    public Generator generator() {
        return new Generator(model, tokenizer);
    }

    @Override
    public void close() {
        model.warmUp().close();
        compute.close();
        file.close();
    }
}
