package io.flotilla.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link TokenizerSpec} from Hugging Face files: {@code tokenizer.json} (BPE models), or
 * {@code vocab.json} + {@code merges.txt} (+ {@code added_tokens.json}) as Qwen2 ships them. Added
 * tokens marked special become CONTROL tokens, the others USER_DEFINED, as llama.cpp's converter
 * does; {@code tokenizer_config.json} next to the files supplies BOS/EOS.
 */
final class HuggingFaceTokenizers {
    /** Vocabularies are objects with 100k+ distinct keys: canonicalizing them costs more than it saves. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build());
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private HuggingFaceTokenizers() {
    }

    /** Token texts by id, merges and the flags gathered from the files. */
    private static final class Draft {
        final Map<Integer, String> texts = new HashMap<>();
        final Map<Integer, Boolean> added = new HashMap<>(); // id -> special
        List<String> merges = new ArrayList<>();
        GgufTokenizers.PreChoice pre;
        boolean byteEncode = true;
        boolean escapeSpaces;
        boolean ignoreMerges;
        Boolean addBos;
        String bosText;
        String eosText;
    }

    static TokenizerSpec spec(Path path) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.getParent();
        Draft d = new Draft();
        if (Files.isDirectory(path) && !Files.exists(path.resolve("tokenizer.json"))) {
            readVocabAndMerges(dir, d);
        } else {
            readTokenizerJson(Files.isDirectory(path) ? path.resolve("tokenizer.json") : path, d);
        }
        Path config = dir == null ? null : dir.resolve("tokenizer_config.json");
        if (config != null && Files.exists(config)) {
            readConfig(config, d);
        }
        return build(d, path);
    }

    private static void readTokenizerJson(Path file, Draft d) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new UnsupportedOperationException("Hugging Face tokenizer model '" + type + "' in " + file
                    + " is not supported (supported: BPE)");
        }
        model.path("vocab").properties().forEach(e -> d.texts.put(e.getValue().asInt(), e.getKey()));
        for (JsonNode m : model.path("merges")) {
            d.merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        for (JsonNode t : root.path("added_tokens")) {
            d.texts.put(t.path("id").asInt(), t.path("content").asText());
            d.added.put(t.path("id").asInt(), t.path("special").asBoolean(false));
        }
        String pre = root.path("pre_tokenizer").toString();
        String decoder = root.path("decoder").toString();
        d.byteEncode = pre.contains("\"ByteLevel\"") || decoder.contains("\"ByteLevel\"");
        d.pre = preTokenizer(root.path("pre_tokenizer"), d.byteEncode, file);
        d.ignoreMerges = model.path("ignore_merges").asBoolean(d.pre.ignoreMerges());
        String normalizer = root.path("normalizer").toString();
        d.escapeSpaces = normalizer.contains("\"\u2581\"");
        for (JsonNode step : root.path("post_processor").path("single")) {
            if (step.has("SpecialToken") && d.bosText == null) {
                d.bosText = step.path("SpecialToken").path("id").asText();
                d.addBos = true;
            }
        }
    }

    private static GgufTokenizers.PreChoice preTokenizer(JsonNode pre, boolean byteEncode, Path file) {
        if (!byteEncode) {
            return new GgufTokenizers.PreChoice(PreTokenizer.NONE);
        }
        String regex = findRegex(pre);
        if (regex == null) {
            return GgufTokenizers.preTokenizer("gpt-2");
        }
        if (regex.equals(SplitStage.LLAMA3_REGEX_CASE_INSENSITIVE)) {
            return GgufTokenizers.preTokenizer("llama-bpe");
        }
        if (regex.equals(QWEN2_REGEX)) {
            return GgufTokenizers.preTokenizer("qwen2");
        }
        if (regex.equals(SplitStage.GPT2_REGEX) || regex.equals(SplitStage.GPT2_REGEX + "|\\s+")) {
            return GgufTokenizers.preTokenizer("gpt-2");
        }
        throw new UnsupportedOperationException("pre-tokenizer regex '" + regex + "' in " + file + " is not supported");
    }

    private static String findRegex(JsonNode node) {
        if (node.has("Regex")) {
            return node.get("Regex").asText();
        }
        for (JsonNode child : node) {
            String r = findRegex(child);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static void readVocabAndMerges(Path dir, Draft d) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        if (!Files.exists(vocab)) {
            throw new IOException("neither tokenizer.json nor vocab.json in " + dir);
        }
        JSON.readTree(vocab.toFile()).properties().forEach(e -> d.texts.put(e.getValue().asInt(), e.getKey()));
        for (String line : Files.readAllLines(dir.resolve("merges.txt"))) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                d.merges.add(line);
            }
        }
        Path added = dir.resolve("added_tokens.json");
        if (Files.exists(added)) {
            JSON.readTree(added.toFile()).properties().forEach(e -> {
                d.texts.put(e.getValue().asInt(), e.getKey());
                d.added.putIfAbsent(e.getValue().asInt(), false);
            });
        }
        d.pre = GgufTokenizers.preTokenizer("gpt-2");
    }

    private static void readConfig(Path config, Draft d) throws IOException {
        JsonNode c = JSON.readTree(config.toFile());
        c.path("added_tokens_decoder").properties().forEach(e -> {
            int id = Integer.parseInt(e.getKey());
            d.texts.put(id, e.getValue().path("content").asText());
            d.added.put(id, e.getValue().path("special").asBoolean(false));
        });
        if (c.path("tokenizer_class").asText().startsWith("Qwen2")) {
            d.pre = GgufTokenizers.preTokenizer("qwen2");
        }
        if (c.has("add_bos_token")) {
            d.addBos = c.get("add_bos_token").asBoolean();
        }
        d.bosText = tokenContent(c.path("bos_token"), d.bosText);
        d.eosText = tokenContent(c.path("eos_token"), d.eosText);
    }

    private static String tokenContent(JsonNode node, String def) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject()) {
            return node.path("content").asText(def);
        }
        return node.isNull() ? null : def;
    }

    private static TokenizerSpec build(Draft d, Path source) {
        int n = d.texts.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (n == 0) {
            throw new IllegalArgumentException("no tokens in " + source);
        }
        String[] tokens = new String[n];
        TokenType[] types = new TokenType[n];
        Arrays.fill(types, TokenType.NORMAL);
        for (int id = 0; id < n; id++) {
            String text = d.texts.get(id);
            tokens[id] = text == null ? "[PAD" + id + "]" : text;
            if (text == null) {
                types[id] = TokenType.UNUSED;
            } else if (d.added.containsKey(id)) {
                types[id] = d.added.get(id) ? TokenType.CONTROL : TokenType.USER_DEFINED;
            } else if (!d.byteEncode && text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
                types[id] = TokenType.BYTE;
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < n; id++) {
            ids.putIfAbsent(tokens[id], id);
        }
        int bos = d.bosText == null ? -1 : ids.getOrDefault(d.bosText, -1);
        int eos = d.eosText == null ? -1 : ids.getOrDefault(d.eosText, -1);
        boolean addBos = d.addBos != null ? d.addBos && bos >= 0 : d.pre.addBos() && bos >= 0;
        var special = new TokenizerSpec.SpecialIds(bos, eos, -1, -1, ids.getOrDefault("<unk>", -1), -1);
        return new TokenizerSpec(VocabKind.BPE, d.pre.type(), tokens, null, types, d.merges, special,
                addBos, false, d.escapeSpaces, d.ignoreMerges, d.byteEncode, d.escapeSpaces, false, false, false);
    }
}
