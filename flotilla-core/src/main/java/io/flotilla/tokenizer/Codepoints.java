package io.flotilla.tokenizer;

import java.text.Normalizer;

/**
 * Codepoint categories as llama.cpp's tokenizers see them: one general category per codepoint
 * (letter, number, mark, punctuation, symbol, separator, control, undefined) plus the Unicode
 * White_Space property. Categories come from the JDK's Unicode tables; the whitespace set is the
 * fixed White_Space list that llama.cpp uses (not {@link Character#isWhitespace}).
 */
final class Codepoints {
    static final int UNDEFINED = 0;
    static final int NUMBER = 1;
    static final int LETTER = 2;
    static final int SEPARATOR = 3;
    static final int MARK = 4;
    static final int PUNCTUATION = 5;
    static final int SYMBOL = 6;
    static final int CONTROL = 7;

    /** Stand-ins used by the "collapsed" regex text: one char per codepoint category. */
    static final char COLLAPSED_OTHER = '\u00D0';
    static final char COLLAPSED_NUMBER = '\u00D1';
    static final char COLLAPSED_LETTER = '\u00D2';
    static final char COLLAPSED_PUNCTUATION = '\u00D3';
    static final char COLLAPSED_MARK = '\u00D4';
    static final char COLLAPSED_SYMBOL = '\u00D5';
    static final char COLLAPSED_WHITESPACE = '\u000B';

    private Codepoints() {
    }

    static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
    }

    /** The Unicode White_Space property. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** One char standing for the codepoint in regexes rewritten to ASCII classes plus stand-ins. */
    static char collapse(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        if (isWhitespace(cp)) {
            return COLLAPSED_WHITESPACE;
        }
        return switch (category(cp)) {
            case NUMBER -> COLLAPSED_NUMBER;
            case LETTER -> COLLAPSED_LETTER;
            case PUNCTUATION -> COLLAPSED_PUNCTUATION;
            case MARK -> COLLAPSED_MARK;
            case SYMBOL -> COLLAPSED_SYMBOL;
            default -> COLLAPSED_OTHER;
        };
    }

    /** Single-codepoint lower case (no context, no expansion), as Python's str.lower() per char mostly gives. */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    /** The first codepoint of the canonical decomposition: drops combining accents from precomposed letters. */
    static int nfdBase(int cp) {
        if (cp < 0xC0) {
            return cp;
        }
        String nfd = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD);
        return nfd.codePointAt(0);
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
