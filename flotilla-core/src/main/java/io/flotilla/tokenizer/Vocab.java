package io.flotilla.tokenizer;

import java.util.HashMap;
import java.util.Map;

/** Token texts, types and scores with a text-to-id index. */
final class Vocab {
    private final String[] texts;
    private final TokenType[] types;
    private final float[] scores;
    private final Map<String, Integer> ids;
    private final int maxTokenChars;

    Vocab(String[] texts, TokenType[] types, float[] scores) {
        this.texts = texts.clone();
        this.types = types.clone();
        this.scores = scores;
        this.ids = HashMap.newHashMap(texts.length);
        int max = 0;
        for (int i = 0; i < texts.length; i++) {
            if (texts[i] == null || texts[i].isEmpty()) {
                this.texts[i] = "[EMPTY_" + i + "]";
            }
            Integer previous = ids.putIfAbsent(this.texts[i], i);
            if (previous != null) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + texts[i] + "' has ids "
                        + previous + " and " + i);
            }
            max = Math.max(max, this.texts[i].length());
        }
        this.maxTokenChars = max;
    }

    int size() {
        return texts.length;
    }

    /** The id of a token text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    String text(int id) {
        return texts[id];
    }

    TokenType type(int id) {
        return types[id];
    }

    void setType(int id, TokenType type) {
        types[id] = type;
    }

    float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    int maxTokenChars() {
        return maxTokenChars;
    }

    boolean contains(int id) {
        return id >= 0 && id < texts.length;
    }
}
