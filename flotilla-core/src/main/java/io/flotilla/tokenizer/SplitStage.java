package io.flotilla.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pre-tokenizer regex applied to every chunk left by the previous stages. Input and output are
 * chunk lengths in codepoints; text a stage does not match stays a chunk of its own, as in
 * llama.cpp's {@code unicode_regex_split}. The two most common regexes (GPT-2's and Llama 3's) are
 * hand-written scanners, exactly as llama.cpp has them; the rest run through {@link Regex}.
 */
sealed interface SplitStage {
    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    String LLAMA3_REGEX_CASE_INSENSITIVE = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Splits every chunk of {@code cps} described by {@code chunks} (lengths) and returns the new lengths. */
    IntList apply(int[] cps, IntList chunks);

    static SplitStage of(String regex) {
        if (regex.equals(GPT2_REGEX)) {
            return new Gpt2();
        }
        if (regex.equals(LLAMA3_REGEX) || regex.equals(LLAMA3_REGEX_CASE_INSENSITIVE)) {
            return new Llama3();
        }
        return Regex.compile(regex);
    }

    /** Walks one chunk; {@code out} receives the piece lengths, empty pieces are dropped. */
    abstract class Scanner {
        final int[] cps;
        final int end;
        final IntList out;
        int prevEnd;

        Scanner(int[] cps, int start, int end, IntList out) {
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
    }

    static IntList scan(int[] cps, IntList chunks, ScannerFactory factory) {
        IntList out = new IntList(chunks.size() * 4);
        int start = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int end = start + chunks.get(i);
            factory.create(cps, start, end, out).run(start);
            start = end;
        }
        return out;
    }

    interface ScannerFactory {
        Scanner create(int[] cps, int start, int end, IntList out);
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    record Gpt2() implements SplitStage {
        @Override
        public IntList apply(int[] cps, IntList chunks) {
            return scan(cps, chunks, Gpt2Scanner::new);
        }
    }

    /** Llama 3's regex (case-insensitive contractions, digits in groups of up to three). */
    record Llama3() implements SplitStage {
        @Override
        public IntList apply(int[] cps, IntList chunks) {
            return scan(cps, chunks, Llama3Scanner::new);
        }
    }

    final class Gpt2Scanner extends Scanner {
        Gpt2Scanner(int[] cps, int start, int end, IntList out) {
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

    final class Llama3Scanner extends Scanner {
        Llama3Scanner(int[] cps, int start, int end, IntList out) {
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

    /**
     * Any other regex, run with java.util.regex the way llama.cpp runs std::regex: when it uses
     * {@code \p{..}} categories, over a "collapsed" text where every non-ASCII codepoint is replaced
     * by a stand-in for its category and the categories in the regex by ASCII ranges plus that
     * stand-in; otherwise over the codepoints themselves with non-ASCII whitespace as U+000B.
     */
    record Regex(Pattern pattern, boolean collapsed) implements SplitStage {
        static Regex compile(String regex) {
            boolean collapsed = RegexCollapse.usesCategories(regex);
            String java = collapsed ? RegexCollapse.collapse(regex) : regex;
            if (java.endsWith("$")) {
                java = java.substring(0, java.length() - 1) + "\\z"; // ECMAScript '$' never matches before a final newline
            }
            return new Regex(Pattern.compile(java), collapsed);
        }

        @Override
        public IntList apply(int[] cps, IntList chunks) {
            IntList out = new IntList(chunks.size() * 4);
            int start = 0;
            for (int i = 0; i < chunks.size(); i++) {
                int len = chunks.get(i);
                splitChunk(cps, start, len, out);
                start += len;
            }
            return out;
        }

        private void splitChunk(int[] cps, int start, int len, IntList out) {
            StringBuilder subject = new StringBuilder(len);
            int[] cpIndex = new int[len * 2 + 1]; // char index -> codepoint index
            for (int k = 0; k < len; k++) {
                int cp = cps[start + k];
                cpIndex[subject.length()] = k;
                if (collapsed) {
                    subject.append(Codepoints.collapse(cp));
                } else {
                    subject.appendCodePoint(cp > 0x7F && Codepoints.isWhitespace(cp) ? 0x0B : cp);
                    if (Character.charCount(cp) == 2) {
                        cpIndex[subject.length() - 1] = k;
                    }
                }
            }
            cpIndex[subject.length()] = len;
            Matcher m = pattern.matcher(subject);
            int last = 0;
            while (m.find()) {
                int s = cpIndex[m.start()];
                int e = cpIndex[m.end()];
                if (s > last) {
                    out.add(s - last);
                }
                if (e > s) {
                    out.add(e - s);
                }
                last = e;
            }
            if (last < len) {
                out.add(len - last);
            }
        }
    }
}
