package io.flotilla.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flotilla.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** llama.cpp's tokenizer test vectors in ../shared/vocab-tests, and the tokenizers they are meant for. */
final class VocabTestFiles {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    /** One input and the ids llama.cpp produces for it (add_special = false, parse_special = false). */
    record Case(int index, String input, int[] expected) {
    }

    private VocabTestFiles() {
    }

    static Path shared() {
        String prop = System.getProperty("flotilla.shared");
        Path p = prop == null ? null : Path.of(prop);
        assumeTrue(p != null && Files.isDirectory(p), "../shared not found: set -Dflotilla.shared (got " + prop + ")");
        return p;
    }

    /** Names of all vocabularies with test vectors (ggml-vocab-NAME.gguf.inp). */
    static Stream<String> names() {
        Path dir = shared().resolve("vocab-tests");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.startsWith("ggml-vocab-") && f.endsWith(".gguf.inp"))
                    .map(f -> f.substring("ggml-vocab-".length(), f.length() - ".gguf.inp".length()))
                    .sorted()
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Case> cases(String name) throws IOException {
        Path dir = shared().resolve("vocab-tests");
        String raw = Files.readString(dir.resolve("ggml-vocab-" + name + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> inputs = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(SEPARATOR, pos);
            if (next < 0) {
                inputs.add(raw.substring(pos));
                break;
            }
            inputs.add(raw.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        List<String> outputs = Files.readAllLines(dir.resolve("ggml-vocab-" + name + ".gguf.out"));
        if (inputs.size() != outputs.size()) {
            throw new IllegalStateException(name + ": " + inputs.size() + " inputs but " + outputs.size() + " outputs");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String o = outputs.get(i).strip();
            int[] ids = o.isEmpty() ? new int[0] : Arrays.stream(o.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, inputs.get(i), ids));
        }
        return cases;
    }

    /** Where the vocabulary comes from; null when there is none here. */
    static Tokenizer tokenizer(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            try {
                return load(n);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Tokenizer load(String name) throws IOException {
        Path shared = shared();
        Path gguf = shared.resolve("vocab-tests/ggml-vocab-" + name + ".gguf");
        if (Files.exists(gguf)) {
            try (GgufFile f = GgufFile.open(gguf)) {
                return Tokenizer.fromGguf(f.metadata());
            }
        }
        return switch (name) {
            case "llama-bpe" -> Tokenizer.fromHuggingFace(shared.resolve("tokenizers/llama3/tokenizer.json"));
            case "qwen2" -> Tokenizer.fromHuggingFace(shared.resolve("tokenizers/qwen2.5"));
            default -> null;
        };
    }
}
