package io.flotilla.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the Python-isms of Jinja2 that Jinjava parses differently, inside the code of
 * {@code {{ }}} and {@code {% %}} only (text and string literals are left alone):
 * <ul>
 *   <li>slices {@code x[a:b:c]} (Jinjava accepts only simple bounds, no step) become
 *       {@code (x|py_slice(a, b, c))};</li>
 *   <li>{@code not x is defined} becomes {@code not (x is defined)}, {@code not n == -1}
 *       {@code not (n == -1)}: Jinja2 binds tests and comparisons tighter than {@code not},
 *       Jinjava the other way;</li>
 *   <li>{@code n+1} becomes {@code n + 1} and {@code }}} inside code {@code } }}, which
 *       Jinjava's scanner would misread;</li>
 *   <li>every printed {@code {{ x }}} becomes {@code {{ (x)|py_str }}}: Python's {@code str};</li>
 *   <li>keyword arguments {@code f(k=a|length - 1)} become {@code f(k=(a|length - 1))}:
 *       Jinjava would bind the {@code =} tighter than the arithmetic.</li>
 * </ul>
 */
final class PythonSyntax {
    private static final Pattern STRING = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"",
            Pattern.DOTALL);
    private static final Pattern NOT = Pattern.compile("\\bnot\\b");
    private static final Pattern NOT_OPERAND_END = Pattern.compile("\\b(and|or|if|else)\\b");
    private static final Pattern ENDS_WITH_IS = Pattern.compile("\\bis\\s*$");
    private static final Pattern STARTS_WITH_IN = Pattern.compile("^\\s*in\\b");
    /** Jinjava's scanner fails on {@code n+1}; Jinja2 reads it as {@code n + 1}. */
    private static final Pattern TIGHT_OPERATOR = Pattern.compile("(?<=[\\w)\\]])([-+*/%])(?=[\\w(\\[])");
    private static final char MARK = '\u0001';

    private PythonSyntax() {}

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 64);
        int i = 0;
        while (i < source.length()) {
            int open = nextOpening(source, i);
            if (open < 0) {
                break;
            }
            boolean comment = source.charAt(open + 1) == '#';
            String closing = comment ? "#}" : source.charAt(open + 1) == '{' ? "}}" : "%}";
            int close = comment ? source.indexOf(closing, open + 2) : closingOf(source, open + 2, closing);
            if (close < 0) {
                break;
            }
            out.append(source, i, open + 2);
            String code = source.substring(open + 2, close);
            String head = code.replaceFirst("^[-+]?\\s*", "");
            boolean verbatim = comment || head.startsWith("macro") || head.startsWith("raw");
            int from = code.startsWith("-") || code.startsWith("+") ? 1 : 0;
            int to = code.length() > from && (code.endsWith("-") || code.endsWith("+")) ? code.length() - 1 : code.length();
            String inner = verbatim ? null : rewriteCode(code.substring(from, to));
            if (inner != null && closing.equals("}}") && !inner.isBlank()) {
                inner = " (" + inner.strip() + ")|py_str ";
            }
            out.append(verbatim ? code : code.substring(0, from) + inner + code.substring(to));
            out.append(closing);
            i = close + 2;
        }
        return out.append(source.substring(i)).toString();
    }

    private static int nextOpening(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Index of {@code closing} after {@code from}, skipping string literals. */
    private static int closingOf(String s, int from, String closing) {
        char quote = 0;
        int depth = 0;
        for (int i = from; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (depth == 0 && s.startsWith(closing, i)) {
                return i;
            } else if (c == '{' || c == '[' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    /** Masks string literals, rewrites, unmasks. */
    static String rewriteCode(String code) {
        List<String> strings = new ArrayList<>();
        Matcher sm = STRING.matcher(code);
        StringBuilder masked = new StringBuilder();
        while (sm.find()) {
            sm.appendReplacement(masked, "");
            masked.append(MARK).append(strings.size()).append(MARK);
            strings.add(sm.group());
        }
        sm.appendTail(masked);
        String s = groupNot(masked.toString());
        s = TIGHT_OPERATOR.matcher(s).replaceAll(" $1 ").replace("}}", "} }");
        s = rewriteSlices(s);
        s = parenthesizeKeywordArguments(s);
        for (int i = strings.size() - 1; i >= 0; i--) {
            s = s.replace(MARK + String.valueOf(i) + MARK, strings.get(i));
        }
        return s;
    }

    /** Wraps the operand of each unary {@code not} (up to and/or/if/else at its level) in parentheses. */
    private static String groupNot(String s) {
        List<Integer> nots = new ArrayList<>();
        Matcher m = NOT.matcher(s);
        while (m.find()) {
            nots.add(m.start());
        }
        StringBuilder out = new StringBuilder(s);
        for (int k = nots.size() - 1; k >= 0; k--) {
            int start = nots.get(k) + 3;
            if (ENDS_WITH_IS.matcher(out.substring(0, nots.get(k))).find()
                    || STARTS_WITH_IN.matcher(out.substring(start)).find()) {
                continue;
            }
            int end = notOperandEnd(out, start);
            String operand = out.substring(start, end);
            if (!operand.isBlank()) {
                String trailing = operand.substring(operand.stripTrailing().length());
                out.replace(start, end, " (" + operand.strip() + ")" + trailing);
            }
        }
        return out.toString();
    }

    private static int notOperandEnd(CharSequence s, int from) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth-- == 0) {
                    return i;
                }
            } else if (depth == 0 && c == ',') {
                return i;
            } else if (depth == 0 && Character.isLetter(c) && (i == 0 || !isWordChar(s.charAt(i - 1)))) {
                Matcher stop = NOT_OPERAND_END.matcher(s).region(i, s.length());
                if (stop.lookingAt()) {
                    return i;
                }
            }
        }
        return s.length();
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    private static String rewriteSlices(String s) {
        for (int open = s.indexOf('['); open >= 0; open = s.indexOf('[', open + 1)) {
            int close = matching(s, open);
            if (close < 0 || open == 0 || !endsOperand(s.charAt(open - 1))) {
                continue;
            }
            List<String> parts = splitTopLevel(s.substring(open + 1, close), ':');
            if (parts.size() < 2) {
                continue;
            }
            int start = operandStart(s, open);
            List<String> bounds = new ArrayList<>();
            for (String p : parts) {
                bounds.add(p.isBlank() ? "none" : rewriteSlices(p.strip()));
            }
            String replacement = "(" + s.substring(start, open) + "|py_slice(" + String.join(", ", bounds) + "))";
            s = s.substring(0, start) + replacement + s.substring(close + 1);
            open = start;
        }
        return s;
    }

    private static boolean endsOperand(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ']' || c == ')' || c == MARK;
    }

    /** Start of the postfix chain (names, dots, calls, subscripts) that ends just before {@code end}. */
    private static int operandStart(String s, int end) {
        int i = end;
        while (i > 0) {
            char c = s.charAt(i - 1);
            if (c == ']' || c == ')') {
                i = matchingBackward(s, i - 1);
            } else if (c == MARK) {
                i = s.lastIndexOf(MARK, i - 2);
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                i--;
            } else {
                break;
            }
        }
        return i;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if ((c == ']' || c == ')' || c == '}') && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int matchingBackward(String s, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == ']' || c == ')' || c == '}') {
                depth++;
            } else if ((c == '[' || c == '(' || c == '{') && --depth == 0) {
                return i;
            }
        }
        return 0;
    }

    private static List<String> splitTopLevel(String s, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                depth--;
            } else if (c == separator && depth == 0) {
                parts.add(s.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static final Pattern KEYWORD = Pattern.compile("^(\\s*[A-Za-z_]\\w*\\s*=)(?!=)(.*)$", Pattern.DOTALL);

    private static String parenthesizeKeywordArguments(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int close = c == '(' && i > 0 && endsOperand(s.charAt(i - 1)) ? matching(s, i) : -1;
            if (close < 0) {
                out.append(c);
                i++;
                continue;
            }
            List<String> args = new ArrayList<>();
            for (String arg : splitTopLevel(s.substring(i + 1, close), ',')) {
                String inner = parenthesizeKeywordArguments(arg);
                Matcher k = KEYWORD.matcher(inner);
                args.add(k.matches() && !k.group(2).isBlank() ? k.group(1) + "(" + k.group(2).strip() + ")" : inner);
            }
            out.append('(').append(String.join(",", args)).append(')');
            i = close + 1;
        }
        return out.toString();
    }
}
