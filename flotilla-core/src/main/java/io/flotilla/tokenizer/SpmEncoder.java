package io.flotilla.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece-style encoding as llama.cpp's {@code llm_tokenizer_spm}: start from single
 * codepoints, repeatedly merge the adjacent pair whose concatenation is the vocabulary token with the
 * highest score (leftmost first on ties), then emit each symbol's token or, when the symbol is not a
 * token, its UTF-8 bytes as {@code <0xXX>} byte tokens.
 */
final class SpmEncoder {
    private final Vocab vocab;
    private final int[] byteTokens;

    SpmEncoder(Vocab vocab) {
        this.vocab = vocab;
        this.byteTokens = byteTokens(vocab);
    }

    /** Encodes text whose spaces are already escaped as '▁'. */
    void encode(String text, IntList out) {
        SymbolChain chain = new SymbolChain(text);
        BigramQueue queue = new BigramQueue();
        for (int i = 1; i < chain.count(); i++) {
            tryAdd(chain, queue, i - 1, i);
        }
        while (!queue.isEmpty()) {
            int l = queue.topLeft();
            int r = queue.topRight();
            int len = queue.topLength();
            queue.pop();
            if (chain.length(l) == 0 || chain.length(r) == 0 || chain.length(l) + chain.length(r) != len) {
                continue; // stale: one side was merged since
            }
            chain.merge(l, r);
            tryAdd(chain, queue, chain.prev(l), l);
            tryAdd(chain, queue, l, chain.next(l));
        }
        for (int i = chain.first(); i != -1; i = chain.next(i)) {
            emit(chain.text(i), out);
        }
    }

    private void tryAdd(SymbolChain chain, BigramQueue queue, int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        String pair = chain.pairText(l, r);
        int id = vocab.id(pair);
        if (id >= 0) {
            queue.push(-(double) vocab.score(id), l, r, pair.length());
        }
    }

    private void emit(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id >= 0) {
            out.add(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int t = byteTokens[b & 0xFF];
            if (t < 0) {
                throw new IllegalArgumentException("vocabulary has no byte token for 0x"
                        + Integer.toHexString(b & 0xFF).toUpperCase() + " (needed for '" + symbol + "')");
            }
            out.add(t);
        }
    }

    /** Byte b's token: {@code <0xXX>}, else the single-char token, else -1. */
    static int[] byteTokens(Vocab vocab) {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b));
            }
            ids[b] = id;
        }
        return ids;
    }
}
