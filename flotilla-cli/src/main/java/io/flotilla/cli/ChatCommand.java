package io.flotilla.cli;

import io.flotilla.chat.ChatMessage;
import io.flotilla.generate.GenerationParams;
import io.flotilla.generate.GenerationResult;
import io.flotilla.generate.LocalModel;
import io.flotilla.model.InferenceState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flotilla chat}: an interactive conversation through the model's chat template. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Talk with a model, using its own chat template.",
                "Type a message and press Enter. /reset forgets the conversation, /exit (or end of input) quits."})
final class ChatCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message")
    String system;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "most tokens per answer (default: ${DEFAULT-VALUE})")
    int maxTokens = 512;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LocalModel m = modelOptions.open()) {
            InferenceState state = m.model().newState(m.contextLength(modelOptions.ctx));
            List<ChatMessage> messages = new ArrayList<>();
            reset(messages);
            out.println("Chatting with " + m.name() + ". /reset forgets, /exit quits.");
            while (true) {
                out.print("> ");
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    out.println();
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    reset(messages);
                    out.println("(conversation forgotten)");
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                messages.add(new ChatMessage("user", line));
                int[] tokens = m.encodeChat(messages);
                if (tokens.length >= state.contextLength()) {
                    out.println("(the conversation has " + tokens.length + " tokens and no longer fits the context of "
                            + state.contextLength() + "; /reset to start again)");
                    messages.removeLast();
                    continue;
                }
                GenerationParams params = new GenerationParams(maxTokens, sampling.config(), false, List.of());
                GenerationResult r = m.generator().generate(state, tokens, params, out::print);
                out.println();
                messages.add(new ChatMessage("assistant", r.text()));
            }
        }
    }

    private void reset(List<ChatMessage> messages) {
        messages.clear();
        if (system != null) {
            messages.add(new ChatMessage("system", system));
        }
    }
}
