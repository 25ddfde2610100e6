package io.flotilla.cli;

import io.flotilla.gguf.GgufFile;
import io.flotilla.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla tokenize}: token ids of a text, on one line. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text with a model's tokenizer, on one line.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "the GGUF model file")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "the text to tokenize")
    String text;

    @Option(names = "--no-special", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "add BOS/EOS as the model's metadata asks (default: on; --no-special turns it off)")
    boolean addSpecial;

    @Option(names = "--parse-special", description = "read control tokens written in the text, e.g. <|eot_id|>")
    boolean parseSpecial;

    @Option(names = "--pieces", description = "also print each token's vocabulary string")
    boolean pieces;

    @Override
    public Integer call() throws Exception {
        try (GgufFile g = GgufFile.open(model)) {
            Tokenizer t = Tokenizer.fromGguf(g.metadata());
            int[] ids = t.encode(text, addSpecial, parseSpecial);
            System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            if (pieces) {
                for (int id : ids) {
                    System.out.printf("%6d  %s%n", id, t.tokenText(id));
                }
            }
        }
        return 0;
    }
}
