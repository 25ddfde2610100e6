package io.flotilla.train.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A SentencePiece-style vocabulary (the layout llama.cpp's {@code llama} tokenizer reads): ids 0–2
 * are {@code <unk> <s> </s>}, ids 3–258 the byte-fallback tokens {@code <0x00>..<0xFF>}, then the
 * pieces: single symbols (a space is written {@code ▁}) and, for BPE, merged pieces whose score
 * orders the merges. Encoding merges, in each whitespace-delimited chunk, the adjacent pair whose
 * concatenation is the best-scoring piece (leftmost on ties) until none is left; symbols missing
 * from the vocabulary fall back to their UTF-8 bytes. Pieces never span chunks, so this equals
 * merging over the whole text as llama.cpp does.
 */
public final class PieceTokenizer {

    /** How the vocabulary was built: {@code byte}, {@code char} or {@code bpe}. */
    public enum Kind { BYTE, CHAR, BPE }

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int FIRST_BYTE = 3;
    public static final int FIRST_PIECE = FIRST_BYTE + 256;
    public static final String SPACE = "\u2581";

    /** GGUF {@code tokenizer.ggml.token_type} values. */
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_BYTE = 6;

    private final Kind kind;
    private final List<String> pieces;
    private final float[] scores;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, int[]> chunkCache = new HashMap<>();

    PieceTokenizer(Kind kind, List<String> symbolPieces, float[] symbolScores) {
        this.kind = kind;
        List<String> all = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            all.add(String.format("<0x%02X>", b));
        }
        all.addAll(symbolPieces);
        this.pieces = List.copyOf(all);
        this.scores = new float[pieces.size()];
        System.arraycopy(symbolScores, 0, scores, FIRST_PIECE, symbolScores.length);
        for (int i = FIRST_PIECE; i < pieces.size(); i++) {
            if (ids.putIfAbsent(pieces.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate piece '" + pieces.get(i) + "' at id " + i);
            }
        }
    }

    /** Bytes only (plus {@code ▁} for the space, which SentencePiece never byte-encodes). */
    public static PieceTokenizer bytes() {
        return new PieceTokenizer(Kind.BYTE, List.of(SPACE), new float[1]);
    }

    /** One piece per distinct character (code point) of {@code corpus}, in code point order. */
    public static PieceTokenizer chars(String corpus) {
        List<String> symbols = symbols(corpus);
        return new PieceTokenizer(Kind.CHAR, symbols, new float[symbols.size()]);
    }

    /** Distinct code points of {@code text}, sorted, a space written as {@code ▁}. */
    static List<String> symbols(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(cp -> set.add(cp == ' ' ? SPACE.codePointAt(0) : cp));
        List<String> out = new ArrayList<>();
        for (int cp : set) {
            out.add(Character.toString(cp));
        }
        return out;
    }

    public Kind kind() {
        return kind;
    }

    public int vocabSize() {
        return pieces.size();
    }

    /** All pieces by id, as written to GGUF {@code tokenizer.ggml.tokens}. */
    public List<String> pieces() {
        return pieces;
    }

    /** Scores by id ({@code tokenizer.ggml.scores}): higher merges first. */
    public float[] scores() {
        return scores.clone();
    }

    /** Token types by id ({@code tokenizer.ggml.token_type}). */
    public int[] tokenTypes() {
        int[] types = new int[pieces.size()];
        types[UNK] = TYPE_UNKNOWN;
        types[BOS] = TYPE_CONTROL;
        types[EOS] = TYPE_CONTROL;
        for (int i = FIRST_BYTE; i < types.length; i++) {
            types[i] = i < FIRST_PIECE ? TYPE_BYTE : TYPE_NORMAL;
        }
        return types;
    }

    /** Number of symbol pieces (not specials, not bytes): 65 for Shakespeare at character level. */
    public int symbolCount() {
        return pieces.size() - FIRST_PIECE;
    }

    public int[] encode(String text) {
        IntList out = new IntList(text.length());
        for (String chunk : chunks(text)) {
            out.addAll(chunkCache.computeIfAbsent(chunk, this::encodeChunk));
        }
        return out.toArray();
    }

    /** Splits before every space and around every newline; a space becomes {@code ▁}. */
    static List<String> chunks(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c == ' ' || c == '\n') && !cur.isEmpty()) {
                out.add(cur.toString());
                cur.setLength(0);
            }
            cur.append(c == ' ' ? SPACE : String.valueOf(c));
            if (c == '\n') {
                out.add(cur.toString());
                cur.setLength(0);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    private int[] encodeChunk(String chunk) {
        List<String> syms = new ArrayList<>();
        chunk.codePoints().forEach(cp -> syms.add(Character.toString(cp)));
        while (syms.size() > 1) {
            int best = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int i = 0; i + 1 < syms.size(); i++) {
                Integer id = ids.get(syms.get(i) + syms.get(i + 1));
                if (id != null && scores[id] > bestScore) {
                    best = i;
                    bestScore = scores[id];
                }
            }
            if (best < 0) {
                break;
            }
            syms.set(best, syms.get(best) + syms.get(best + 1));
            syms.remove(best + 1);
        }
        IntList out = new IntList(syms.size());
        for (String s : syms) {
            Integer id = ids.get(s);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                    out.add(FIRST_BYTE + (b & 0xFF));
                }
            }
        }
        return out.toArray();
    }

    public String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int t : tokens) {
            if (t < 0 || t >= pieces.size()) {
                throw new IllegalArgumentException("token " + t + " outside vocabulary of " + pieces.size());
            }
            if (t >= FIRST_BYTE && t < FIRST_PIECE) {
                bytes.write(t - FIRST_BYTE);
            } else if (t >= FIRST_PIECE) {
                bytes.writeBytes(pieces.get(t).replace(SPACE, " ").getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
