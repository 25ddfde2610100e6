package io.flotilla.train.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns byte-pair merges from a corpus: starting from its characters, repeatedly merges the most
 * frequent adjacent pair inside whitespace-delimited chunks (ties: the smaller pair of ids) until
 * the vocabulary reaches the requested size. The merged pieces get decreasing scores, so a
 * SentencePiece-style encoder ({@link PieceTokenizer}) replays the merges in the order learned.
 */
public final class BpeTrainer {

    private BpeTrainer() {}

    /** A tokenizer of exactly {@code vocabSize} ids (fewer if the corpus runs out of repeated pairs). */
    public static PieceTokenizer train(String corpus, int vocabSize) {
        List<String> pieces = new ArrayList<>(PieceTokenizer.symbols(corpus));
        int base = PieceTokenizer.FIRST_PIECE + pieces.size();
        if (vocabSize < base) {
            throw new IllegalArgumentException("BPE vocabulary " + vocabSize + " is smaller than the "
                    + base + " ids the corpus needs before any merge (specials, bytes, characters)");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < pieces.size(); i++) {
            index.put(pieces.get(i), i);
        }
        // distinct chunks with their counts, each a sequence of piece indices
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String chunk : PieceTokenizer.chunks(corpus)) {
            counts.merge(chunk, 1, Integer::sum);
        }
        List<int[]> words = new ArrayList<>(counts.size());
        int[] freq = new int[counts.size()];
        int w = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            words.add(e.getKey().codePoints().map(cp -> index.get(Character.toString(cp))).toArray());
            freq[w++] = e.getValue();
        }
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            scores.add(0f);
        }
        for (int m = 0; PieceTokenizer.FIRST_PIECE + pieces.size() < vocabSize; m++) {
            long best = bestPair(words, freq);
            if (best < 0) {
                break;
            }
            int a = (int) (best >>> 32);
            int b = (int) best;
            String merged = pieces.get(a) + pieces.get(b);
            Integer id = index.get(merged);
            if (id == null) {
                id = pieces.size();
                pieces.add(merged);
                index.put(merged, id);
                scores.add(-(float) (m + 1));
            }
            for (int i = 0; i < words.size(); i++) {
                words.set(i, replace(words.get(i), a, b, id));
            }
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new PieceTokenizer(PieceTokenizer.Kind.BPE, pieces, s);
    }

    /** The most frequent pair as {@code a << 32 | b}, or -1 when no pair occurs twice. */
    private static long bestPair(List<int[]> words, int[] freq) {
        Map<Long, Integer> pairs = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            int[] word = words.get(i);
            for (int j = 0; j + 1 < word.length; j++) {
                pairs.merge(((long) word[j] << 32) | (word[j + 1] & 0xFFFFFFFFL), freq[i], Integer::sum);
            }
        }
        long best = -1;
        int bestCount = 1;
        for (Map.Entry<Long, Integer> e : pairs.entrySet()) {
            int c = e.getValue();
            if (c > bestCount || (c == bestCount && best >= 0 && e.getKey() < best)) {
                best = e.getKey();
                bestCount = c;
            }
        }
        return best;
    }

    private static int[] replace(int[] word, int a, int b, int merged) {
        int n = 0;
        int[] out = null;
        for (int j = 0; j < word.length; j++) {
            if (j + 1 < word.length && word[j] == a && word[j + 1] == b) {
                if (out == null) {
                    out = new int[word.length - 1];
                    System.arraycopy(word, 0, out, 0, j);
                    n = j;
                }
                out[n++] = merged;
                j++;
            } else if (out != null) {
                out[n++] = word[j];
            }
        }
        return out == null ? word : java.util.Arrays.copyOf(out, n);
    }
}
