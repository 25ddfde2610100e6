package io.flotilla.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's view of Java values inside a template: {@code str()}, {@code repr()} and
 * {@code json.dumps()} as Hugging Face's {@code tojson} filter calls it (non-ASCII kept,
 * separators {@code ", "} and {@code ": "}, or {@code ","} with an indent).
 */
final class PythonValues {
    private PythonValues() {}

    /** Python {@code str(o)}. */
    static String str(Object o) {
        return o instanceof String s ? s : repr(o);
    }

    /** Python {@code repr(o)} for None, booleans, numbers, strings, lists and dicts. */
    static String repr(Object o) {
        return switch (o) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case String s -> "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
            case Double d -> floatRepr(d);
            case Float f -> floatRepr(f.doubleValue());
            case Map<?, ?> m -> {
                List<String> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(repr(k) + ": " + repr(v)));
                yield "{" + String.join(", ", items) + "}";
            }
            case Map.Entry<?, ?> e -> "(" + repr(e.getKey()) + ", " + repr(e.getValue()) + ")";
            case Collection<?> c -> "[" + String.join(", ", c.stream().map(PythonValues::repr).toList()) + "]";
            default -> o.toString();
        };
    }

    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return String.format("%.1f", d);
        }
        String s = Double.toString(d);
        return s.contains("E") ? s.replace("E", "e") : s;
    }

    /**
     * {@code json.dumps(o, ensure_ascii=False, indent=indent, separators=..., sort_keys=...)};
     * {@code indent} null means one line.
     */
    static String toJson(Object o, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        new JsonWriter(out, indent, itemSeparator, keySeparator, sortKeys).write(o, 0);
        return out.toString();
    }

    private record JsonWriter(StringBuilder out, String indent, String itemSeparator, String keySeparator,
                              boolean sortKeys) {
        void write(Object o, int depth) {
            switch (o) {
                case null -> out.append("null");
                case Boolean b -> out.append(b);
                case String s -> string(s);
                case Double d -> out.append(floatRepr(d));
                case Float f -> out.append(floatRepr(f.doubleValue()));
                case Number n -> out.append(n);
                case Map<?, ?> m -> map(m, depth);
                case Map.Entry<?, ?> e -> list(java.util.Arrays.asList(e.getKey(), e.getValue()), depth);
                case Collection<?> c -> list(c, depth);
                case Object[] a -> list(List.of(a), depth);
                default -> string(o.toString());
            }
        }

        private void map(Map<?, ?> m, int depth) {
            if (m.isEmpty()) {
                out.append("{}");
                return;
            }
            List<? extends Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                separate(first, depth + 1);
                first = false;
                string(String.valueOf(e.getKey()));
                out.append(keySeparator);
                write(e.getValue(), depth + 1);
            }
            newline(depth);
            out.append('}');
        }

        private void list(Collection<?> c, int depth) {
            if (c.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            boolean first = true;
            for (Object x : c) {
                separate(first, depth + 1);
                first = false;
                write(x, depth + 1);
            }
            newline(depth);
            out.append(']');
        }

        private void separate(boolean first, int depth) {
            if (!first) {
                out.append(itemSeparator);
            }
            newline(depth);
        }

        private void newline(int depth) {
            if (indent != null) {
                out.append('\n').append(indent.repeat(depth));
            }
        }

        private void string(String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
    }
}
