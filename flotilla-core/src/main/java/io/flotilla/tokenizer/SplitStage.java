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

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    record Gpt2() implements SplitStage {
        @Override
        public IntList apply(int[] cps, IntList chunks) {
            return ChunkScanner.scan(cps, chunks, ChunkScanner.Gpt2::new);
        }
    }

    /** Llama 3's regex (case-insensitive contractions, digits in groups of up to three). */
    record Llama3() implements SplitStage {
        @Override
        public IntList apply(int[] cps, IntList chunks) {
            return ChunkScanner.scan(cps, chunks, ChunkScanner.Llama3::new);
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
