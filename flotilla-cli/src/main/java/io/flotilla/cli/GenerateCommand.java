package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.chat.ChatMessage;
import io.flotilla.generate.GenerationParams;
import io.flotilla.generate.GenerationResult;
import io.flotilla.generate.LocalModel;
import io.flotilla.model.InferenceState;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flotilla generate}: one prompt, one completion. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt with a GGUF model on this machine.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "the prompt")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens = 128;

    @Option(names = "--chat", description = "send the prompt as a user message through the model's chat template")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message (with --chat)")
    String system;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when this text is generated (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = "--json", description = "print one JSON object: text, tokens, prompt_tokens, speeds")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (LocalModel m = modelOptions.open()) {
            int[] tokens = chat ? m.encodeChat(messages()) : m.encodePrompt(prompt);
            InferenceState state = m.model().newState(m.contextLength(modelOptions.ctx));
            GenerationParams params = new GenerationParams(maxTokens, sampling.config(), ignoreEos, stop);
            if (!json && !chat) {
                out.print(prompt);
            }
            GenerationResult r = m.generator().generate(state, tokens, params, json ? s -> { } : out::print);
            if (json) {
                out.println(toJson(r));
            } else {
                out.println();
                System.err.printf("[%d prompt tokens, %.1f tok/s prefill; %d generated, %.1f tok/s decode; %s]%n",
                        r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                        r.finishReason());
            }
        }
        return 0;
    }

    private List<ChatMessage> messages() {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(new ChatMessage("system", system));
        }
        messages.add(new ChatMessage("user", prompt));
        return messages;
    }

    static String toJson(GenerationResult r) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        o.put("text", r.text());
        var ids = o.putArray("tokens");
        for (int t : r.tokens()) {
            ids.add(t);
        }
        o.put("prompt_tokens", r.promptTokens());
        o.put("prefill_tokens_per_s", Sizes.round2(r.prefillTokensPerSecond()));
        o.put("decode_tokens_per_s", Sizes.round2(r.decodeTokensPerSecond()));
        o.put("finish_reason", r.finishReason());
        return om.writeValueAsString(o);
    }

}
