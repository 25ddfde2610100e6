package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.generate.LocalModel;
import io.flotilla.model.Perplexity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flotilla perplexity}: llama.cpp's perplexity measure on a text file. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = {"Perplexity of a model on a text, by llama.cpp's method: the text is tokenized once (BOS first),",
                "cut into chunks of --ctx tokens, each chunk evaluated on its own with its first token replaced by BOS,",
                "and only the second half of each chunk's predictions scored. PPL = exp(mean negative log-likelihood)."})
final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "TEXT_FILE", description = "the text (UTF-8)")
    Path file;

    @Option(names = "--chunks", paramLabel = "N", description = "score at most N chunks (default: all)")
    int maxChunks;

    @Option(names = "--json", description = "print one JSON object: perplexity, chunks, tokens_per_s")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int ctx = modelOptions.ctx > 0 ? modelOptions.ctx : 512;
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try (LocalModel m = modelOptions.open()) {
            int[] tokens = m.encodePrompt(text);
            if (tokens.length < 2 * ctx) {
                throw new IllegalArgumentException(file + " has " + tokens.length + " tokens; perplexity with --ctx "
                        + ctx + " needs at least " + 2 * ctx + " (two chunks)");
            }
            if (maxChunks > 0 && tokens.length > maxChunks * ctx) {
                tokens = Arrays.copyOf(tokens, maxChunks * ctx);
            }
            long t0 = System.nanoTime();
            Perplexity.Stats s = Perplexity.measure(m.model(), tokens, ctx, m.tokenizer().bos());
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tokensPerSecond = s.chunks() * (double) ctx / seconds;
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("perplexity", s.perplexity());
                o.put("chunks", s.chunks());
                o.put("tokens_per_s", Math.round(tokensPerSecond * 10) / 10.0);
                o.put("scored_tokens", s.scoredTokens());
                o.put("ctx", ctx);
                System.out.println(o);
            } else {
                System.out.printf("perplexity %.4f over %d chunks of %d tokens (%d scored), %.1f tokens/s%n",
                        s.perplexity(), s.chunks(), ctx, s.scoredTokens(), tokensPerSecond);
            }
        }
        return 0;
    }
}
