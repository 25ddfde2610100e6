package io.flotilla.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods as chat templates call them ({@code content.strip()},
 * {@code content.split('</think>')[-1]} ...), with Python semantics rather than Java's
 * (no regular expressions in {@code split}, characters not a prefix in {@code strip}).
 */
final class StringMethods {
    private StringMethods() {}

    /** Whether {@code name} is a Python string method this class implements. */
    static boolean supports(String name) {
        return switch (name) {
            case "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit", "replace",
                 "upper", "lower", "title", "capitalize", "find", "rfind", "count", "join",
                 "splitlines", "isdigit", "isalpha", "isspace", "isupper", "islower", "format" -> true;
            default -> false;
        };
    }

    /** Calls method {@code name} on {@code s}; arguments as Python passes them positionally. */
    static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> strip(s, chars(args), true, true);
            case "lstrip" -> strip(s, chars(args), true, false);
            case "rstrip" -> strip(s, chars(args), false, true);
            case "startswith" -> anyOf(args[0], p -> s.startsWith(p));
            case "endswith" -> anyOf(args[0], p -> s.endsWith(p));
            case "split" -> split(s, arg(args, 0), maxSplit(args), false);
            case "rsplit" -> split(s, arg(args, 0), maxSplit(args), true);
            case "replace" -> replace(s, str(args[0]), str(args[1]), args.length > 2 ? toInt(args[2]) : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "find" -> (long) s.indexOf(str(args[0]));
            case "rfind" -> (long) s.lastIndexOf(str(args[0]));
            case "count" -> count(s, str(args[0]));
            case "join" -> join(s, args[0]);
            case "splitlines" -> s.lines().toList();
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(StringMethods::isSpace);
            case "isupper" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            case "format" -> format(s, args);
            default -> throw new UnsupportedOperationException("str." + name + " is not supported");
        };
    }

    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    static List<String> split(String s, String sep, int maxSplit, boolean fromRight) {
        if (sep != null && sep.isEmpty()) {
            throw new IllegalArgumentException("str.split: empty separator");
        }
        return sep == null ? splitWhitespace(s, maxSplit) : splitOn(s, sep, maxSplit, fromRight);
    }

    private static List<String> splitOn(String s, String sep, int maxSplit, boolean fromRight) {
        List<String> parts = new ArrayList<>();
        if (!fromRight) {
            int from = 0;
            int at;
            while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
                parts.add(s.substring(from, at));
                from = at + sep.length();
            }
            parts.add(s.substring(from));
            return parts;
        }
        int to = s.length();
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.lastIndexOf(sep, to - sep.length())) >= 0
                && to - sep.length() >= 0) {
            parts.addFirst(s.substring(at + sep.length(), to));
            to = at;
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    private static List<String> splitWhitespace(String s, int maxSplit) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            if (i == n) {
                return parts;
            }
            if (maxSplit >= 0 && parts.size() == maxSplit) {
                parts.add(strip(s.substring(i), null, false, true));
                return parts;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            parts.add(s.substring(start, i));
        }
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int done = 0; done < count; done++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
        }
        return out.append(s.substring(from)).toString();
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> iterable) {
            iterable.forEach(x -> parts.add(str(x)));
        } else if (items instanceof Object[] array) {
            for (Object x : array) {
                parts.add(str(x));
            }
        } else {
            throw new IllegalArgumentException("str.join expects an iterable, got " + items);
        }
        return String.join(sep, parts);
    }

    /** {@code '{}'.format(a)} and {@code '{0}'.format(a)}; no format specs. */
    private static String format(String s, Object[] args) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < s.length() && s.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                String field = s.substring(i + 1, close);
                int index = field.isEmpty() ? next++ : Integer.parseInt(field);
                out.append(PythonValues.str(args[index]));
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private interface Test {
        boolean test(String prefix);
    }

    private static boolean anyOf(Object prefixes, Test test) {
        if (prefixes instanceof Collection<?> many) {
            return many.stream().anyMatch(p -> test.test(str(p)));
        }
        return test.test(str(prefixes));
    }

    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : str(args[0]);
    }

    private static String arg(Object[] args, int i) {
        return args.length > i && args[i] != null ? str(args[i]) : null;
    }

    private static int maxSplit(Object[] args) {
        return args.length > 1 ? toInt(args[1]) : -1;
    }

    private static int toInt(Object o) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        throw new IllegalArgumentException("expected an integer, got " + o);
    }

    private static String str(Object o) {
        return o instanceof String s ? s : PythonValues.str(o);
    }
}
