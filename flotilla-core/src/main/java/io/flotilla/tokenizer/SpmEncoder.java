package io.flotilla.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece-style encoding as llama.cpp's {@code llm_tokenizer_spm}: start from single
 * codepoints, repeatedly merge the adjacent pair whose concatenation is the vocabulary token with the
 * highest score (leftmost first on ties), then emit each symbol's token or, when the symbol is not a
 * token, its UTF-8 bytes as {@code <0xXX>} byte tokens
 * (the unknown token for a byte the vocabulary lacks).
 */
final class SpmEncoder {
    private final Vocab vocab;
    private final int[] byteTokens;
    private final int unknown;
    /** Every pair of codepoints that occur side by side in some token, as (left << 21 | right), sorted. */
    private final long[] adjacentPairs;
    private static final int CACHE_LIMIT = 1 << 16;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /** @param unknown emitted for a byte without a byte token (llama.cpp aborts there), or -1 to throw */
    SpmEncoder(Vocab vocab, int unknown) {
        this.vocab = vocab;
        this.byteTokens = byteTokens(vocab);
        this.unknown = unknown;
        this.adjacentPairs = adjacentPairs(vocab);
    }

    private static long[] adjacentPairs(Vocab vocab) {
        java.util.Set<Long> pairs = new java.util.HashSet<>();
        for (int id = 0; id < vocab.size(); id++) {
            int[] cps = vocab.text(id).codePoints().toArray();
            for (int i = 1; i < cps.length; i++) {
                pairs.add(((long) cps[i - 1] << 21) | cps[i]);
            }
        }
        return pairs.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /**
     * Encodes text whose spaces are already escaped as '▁'. Long texts are cut where no token can
     * span the cut (no token holds the two codepoints around it side by side), so no merge ever
     * crosses it and the pieces give the same tokens as the whole; pieces (mostly words) are cached.
     */
    void encode(String text, IntList out) {
        int start = 0;
        int cp;
        for (int i = 0; i < text.length(); i += Character.charCount(cp)) {
            cp = text.codePointAt(i);
            if (i > start && !joinable(text.codePointBefore(i), cp)) {
                encodeCached(text.substring(start, i), out);
                start = i;
            }
        }
        if (start < text.length()) {
            encodeCached(text.substring(start), out);
        }
    }

    private void encodeCached(String segment, IntList out) {
        int[] ids = cache.get(segment);
        if (ids == null) {
            IntList piece = new IntList(8);
            encodeSegment(segment, piece);
            ids = piece.toArray();
            if (segment.length() <= 64 && cache.size() < CACHE_LIMIT) {
                cache.put(segment, ids);
            }
        }
        out.addAll(ids);
    }

    private boolean joinable(int left, int right) {
        return Arrays.binarySearch(adjacentPairs, ((long) left << 21) | right) >= 0;
    }

    /** The whole text as one merge problem, without cuts or cache (to check that cutting changes nothing). */
    void encodeSegment(String text, IntList out) {
        SymbolChain chain = new SymbolChain(text);
        chain.mergeAll((c, l, r) -> {
            int id = vocab.id(c.pairText(l, r));
            return id < 0 ? Double.NaN : -(double) vocab.score(id);
        });
        for (int i = chain.first(); i != -1; i = chain.next(i)) {
            emit(chain.text(i), out);
        }
    }

    private void emit(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id >= 0) {
            out.add(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int t = byteTokens[b & 0xFF] >= 0 ? byteTokens[b & 0xFF] : unknown;
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
