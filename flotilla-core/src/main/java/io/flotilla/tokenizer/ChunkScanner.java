package io.flotilla.tokenizer;

/**
 * A hand-written matcher for one pre-tokenizer regex over one chunk of codepoints, as llama.cpp
 * has for GPT-2's and Llama 3's regexes: same pieces as the regex, without a regex engine.
 * {@code out} receives the piece lengths; empty pieces are dropped.
 */
abstract class ChunkScanner {
    final int[] cps;
    final int end;
    final IntList out;
    int prevEnd;

    ChunkScanner(int[] cps, int start, int end, IntList out) {
        this.cps = cps;
        this.end = end;
        this.out = out;
        this.prevEnd = start;
    }

    /** Category of the codepoint at pos, or -1 outside the chunk. */
    int cat(int pos) {
        return pos < end ? Codepoints.category(cps[pos]) : -1;
    }

    boolean letter(int pos) {
        return cat(pos) == Codepoints.LETTER;
    }

    boolean number(int pos) {
        return cat(pos) == Codepoints.NUMBER;
    }

    boolean space(int pos) {
        return pos < end && Codepoints.isWhitespace(cps[pos]);
    }

    /** In the chunk, and neither whitespace, letter nor number: {@code [^\s\p{L}\p{N}]}. */
    boolean other(int pos) {
        return pos < end && !space(pos) && !letter(pos) && !number(pos);
    }

    int cp(int pos) {
        return pos < end ? cps[pos] : -1;
    }

    int emit(int pieceEnd) {
        int len = pieceEnd - prevEnd;
        if (len > 0) {
            out.add(len);
        }
        prevEnd = pieceEnd;
        return len;
    }

    /** 's 't 're 've 'm 'll 'd at pos: the end of the contraction, or -1. */
    int contraction(int pos, boolean ignoreCase) {
        if (cps[pos] != '\'' || pos + 1 >= end) {
            return -1;
        }
        int c1 = ignoreCase ? Codepoints.toLower(cps[pos + 1]) : cps[pos + 1];
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
            return pos + 2;
        }
        if (pos + 2 < end) {
            int c2 = ignoreCase ? Codepoints.toLower(cps[pos + 2]) : cps[pos + 2];
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                return pos + 3;
            }
        }
        return -1;
    }

    /** The trailing-whitespace rules {@code \s+(?!\S)|\s+}; returns the new position. */
    int whitespace(int pos, int count) {
        if (count > 1 && pos + count < end) {
            pos += count - 1;
        } else {
            pos += count > 0 ? count : 1;
        }
        emit(pos);
        return pos;
    }

    abstract void run(int start);

    /** Runs a fresh scanner over every chunk and returns all piece lengths. */
    static IntList scan(int[] cps, IntList chunks, Factory factory) {
        IntList out = new IntList(chunks.size() * 4);
        int start = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int end = start + chunks.get(i);
            factory.create(cps, start, end, out).run(start);
            start = end;
        }
        return out;
    }

    @FunctionalInterface
    interface Factory {
        ChunkScanner create(int[] cps, int start, int end, IntList out);
    }

    /** GPT-2's regex: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    static final class Gpt2 extends ChunkScanner {
        Gpt2(int[] cps, int start, int end, IntList out) {
            super(cps, start, end, out);
        }

        @Override
        void run(int pos) {
            while (pos < end) {
                int c = contraction(pos, false);
                if (c >= 0) {
                    pos += emit(c);
                    continue;
                }
                int p = cps[pos] == ' ' ? pos + 1 : pos;
                if (letter(p) || number(p) || other(p)) {
                    int kind = cat(p);
                    boolean others = other(p);
                    pos = p;
                    while (others ? other(pos) : cat(pos) == kind) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                int count = 0;
                while (space(pos + count)) {
                    count++;
                }
                pos = whitespace(pos, count);
            }
        }
    }

    /** Llama 3's regex: case-insensitive contractions, letters with one leading non-letter, digits by three, newlines. */
    static final class Llama3 extends ChunkScanner {
        Llama3(int[] cps, int start, int end, IntList out) {
            super(cps, start, end, out);
        }

        @Override
        void run(int pos) {
            while (pos < end) {
                int cp = cps[pos];
                int c = contraction(pos, true);
                if (c >= 0) {
                    pos += emit(c);
                    continue;
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (cp != '\r' && cp != '\n' && !number(pos) && (letter(pos) || letter(pos + 1))) {
                    pos++;
                    while (letter(pos)) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                // \p{N}{1,3}
                if (number(pos)) {
                    int ini = pos;
                    while (number(pos)) {
                        if (++pos - ini >= 3) {
                            emit(pos);
                            ini = pos;
                        }
                    }
                    emit(pos);
                    continue;
                }
                // ' ?[^\s\p{L}\p{N}]+[\r\n]*' (a lone trailing space also lands here, as in llama.cpp)
                int p = cp == ' ' ? pos + 1 : pos;
                if (other(p) || p == end) {
                    pos = p;
                    while (other(pos)) {
                        pos++;
                    }
                    while (cp(pos) == '\r' || cp(pos) == '\n') {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                pos = whitespaceRun(pos);
            }
        }

        /** {@code \s*[\r\n]+|\s+(?!\S)|\s+}. */
        private int whitespaceRun(int pos) {
            int count = 0;
            int lastNewline = -1;
            while (space(pos + count)) {
                int w = cps[pos + count];
                if (w == '\r' || w == '\n') {
                    lastNewline = pos + count + 1;
                }
                count++;
            }
            if (lastNewline >= 0) {
                emit(lastNewline);
                return lastNewline;
            }
            return whitespace(pos, count);
        }
    }
}
