package io.flotilla.tokenizer;

import java.util.Map;

/**
 * Rewrites a pre-tokenizer regex that uses Unicode categories ({@code \p{L}} and friends) into one
 * over the "collapsed" text of {@link Codepoints#collapse}: each category becomes its ASCII members
 * plus the stand-in char of its non-ASCII members. This is llama.cpp's trick, so the regex sees
 * exactly llama.cpp's categories instead of the JDK's regex engine's.
 */
final class RegexCollapse {
    private static final Map<String, String> CATEGORY_CLASS = Map.ofEntries(
            Map.entry("\\p{N}", Codepoints.COLLAPSED_NUMBER + "0-9"),
            Map.entry("\\p{L}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{Lu}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{Ll}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{Lt}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{Lm}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{Lo}", Codepoints.COLLAPSED_LETTER + "A-Za-z"),
            Map.entry("\\p{P}", Codepoints.COLLAPSED_PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"),
            Map.entry("\\p{M}", String.valueOf(Codepoints.COLLAPSED_MARK)),
            Map.entry("\\p{S}", Codepoints.COLLAPSED_SYMBOL + "\\$\\+<->\\^`\\|"));

    private RegexCollapse() {
    }

    static boolean usesCategories(String regex) {
        return CATEGORY_CLASS.keySet().stream().anyMatch(regex::contains);
    }

    static String collapse(String regex) {
        StringBuilder out = new StringBuilder(regex.length() * 2);
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            boolean escaped = i > 0 && regex.charAt(i - 1) == '\\';
            if (c == '[' && !escaped) {
                inside = true;
                out.append(c);
                continue;
            }
            if (c == ']' && inside && !escaped) {
                inside = false;
                out.append(c);
                continue;
            }
            if (c == '\\' && regex.startsWith("\\p{", i)) {
                int close = regex.indexOf('}', i);
                String members = close < 0 ? null : CATEGORY_CLASS.get(regex.substring(i, close + 1));
                if (members != null) {
                    out.append(inside ? members : "[" + members + "]");
                    i = close;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
