package io.flotilla.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece as llama.cpp's {@code llm_tokenizer_wpm}: BERT normalisation (lower case, accents
 * stripped, punctuation and CJK as single-char words), then greedy longest match per word. The
 * GGUF vocabulary marks word starts with '▁' instead of marking continuations with "##".
 */
final class WordPieceEncoder {
    private static final String WORD_START = "\u2581";

    private final Vocab vocab;
    private final int unk;
    private final boolean lowercase;
    private final boolean stripAccents;

    WordPieceEncoder(Vocab vocab, int unk, boolean lowercase, boolean stripAccents) {
        this.vocab = vocab;
        this.unk = unk;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    void encode(String text, IntList out) {
        for (String word : words(text)) {
            encodeWord(WORD_START + word, out);
        }
    }

    private void encodeWord(String word, IntList out) {
        int before = out.size();
        int n = word.length();
        for (int i = 0; i < n; ) {
            int matched = -1;
            for (int j = Math.min(n, i + vocab.maxTokenChars()); j > i; j--) {
                int id = vocab.id(word.substring(i, j));
                if (id >= 0) {
                    out.add(id);
                    matched = j;
                    break;
                }
            }
            if (matched < 0) {
                out.truncate(before); // one unknown piece discards the whole word
                break;
            }
            i = matched;
        }
        if (out.size() == before) {
            out.add(unk);
        }
    }

    List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (stripAccents) {
                cp = Codepoints.nfdBase(cp);
            }
            if (Codepoints.isWhitespace(cp)) {
                flush(word, words);
                continue;
            }
            int cat = Codepoints.category(cp);
            if (cp == 0 || cp == 0xFFFD || cat == Codepoints.CONTROL || (stripAccents && cat == Codepoints.MARK)) {
                continue;
            }
            int c = lowercase ? Codepoints.toLower(cp) : cp;
            if (cat == Codepoints.PUNCTUATION || (cp < 0x7F && cat == Codepoints.SYMBOL) || Codepoints.isChinese(cp)) {
                flush(word, words);
                words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }
}
