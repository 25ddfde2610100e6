package io.flotilla.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding as llama.cpp's {@code llm_tokenizer_bpe}: the pre-tokenizer splits the text
 * into words, each word is byte-mapped (GPT-2 style) and merged pair by pair in merge-rank order
 * (leftmost first on ties). Results are cached per word, which makes long texts cheap.
 */
final class BpeEncoder {
    private static final int CACHE_LIMIT = 1 << 16;

    private final Vocab vocab;
    private final PreTokenizer preTokenizer;
    private final Map<String, Integer> ranks;
    private final boolean ignoreMerges;
    private final boolean byteEncode;
    private final int[] byteTokens;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeEncoder(Vocab vocab, PreTokenizer preTokenizer, List<String> merges, boolean ignoreMerges, boolean byteEncode) {
        this.vocab = vocab;
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        this.byteEncode = byteEncode;
        this.ranks = HashMap.newHashMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ', 1);
            if (sp < 0) {
                throw new IllegalArgumentException("merge " + i + " has no space separator: '" + m + "'");
            }
            ranks.putIfAbsent(m, i);
        }
        this.byteTokens = byteEncode ? null : SpmEncoder.byteTokens(vocab);
    }

    void encode(String text, IntList out) {
        for (String word : preTokenizer.split(text)) {
            String mapped = byteEncode ? ByteLevel.encode(word) : word;
            int[] ids = cache.get(mapped);
            if (ids == null) {
                ids = encodeWord(mapped);
                if (mapped.length() <= 256 && cache.size() < CACHE_LIMIT) {
                    cache.put(mapped, ids);
                }
            }
            out.addAll(ids);
        }
    }

    private int[] encodeWord(String word) {
        IntList out = new IntList(8);
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return out.toArray();
            }
        }
        SymbolChain chain = new SymbolChain(word);
        chain.mergeAll((c, l, r) -> {
            Integer rank = ranks.get(c.text(l) + ' ' + c.text(r));
            return rank == null ? Double.NaN : rank;
        });
        for (int i = chain.first(); i != -1; i = chain.next(i)) {
            emit(chain.text(i), out);
        }
        return out.toArray();
    }

    /** The symbol's token, else its bytes' tokens (bytes without a token are dropped, as in llama.cpp). */
    private void emit(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id >= 0) {
            out.add(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int t;
            if (byteEncode) {
                t = b >= 0 ? vocab.id(String.valueOf((char) b)) : -1;
            } else {
                t = byteTokens[b & 0xFF];
            }
            if (t >= 0) {
                out.add(t);
            }
        }
    }
}
