package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code dictsort(case_sensitive=False, by='key', reverse=False)}: (key, value)
 * pairs in Python order, numbers compared as numbers (Jinjava compares them as text).
 */
final class DictSortFilter implements Filter {
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    @Override
    public String getName() {
        return "dictsort";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        if (!(var instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("dictsort expects a dict, got " + PythonValues.repr(var));
        }
        boolean caseSensitive = truthy(kwargs.getOrDefault("case_sensitive", args.length > 0 ? args[0] : false));
        Object by = kwargs.getOrDefault("by", args.length > 1 ? args[1] : "key");
        boolean reverse = truthy(kwargs.getOrDefault("reverse", args.length > 2 ? args[2] : false));
        boolean byValue = "value".equals(String.valueOf(by));
        List<Map.Entry<Object, Object>> entries = new ArrayList<>();
        map.forEach((k, v) -> entries.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        Comparator<Map.Entry<Object, Object>> order = Comparator.comparing(
                e -> byValue ? e.getValue() : e.getKey(), (a, b) -> compare(a, b, caseSensitive));
        entries.sort(reverse ? order.reversed() : order);
        return entries;
    }

    private static int compare(Object a, Object b, boolean caseSensitive) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        // Jinjava turns the integer keys of dict literals into strings: compare those as numbers
        if (a instanceof String x && b instanceof String y && INTEGER.matcher(x).matches()
                && INTEGER.matcher(y).matches()) {
            return new BigInteger(x).compareTo(new BigInteger(y));
        }
        String s = PythonValues.str(a);
        String t = PythonValues.str(b);
        return caseSensitive ? s.compareTo(t) : s.toLowerCase(Locale.ROOT).compareTo(t.toLowerCase(Locale.ROOT));
    }

    private static boolean truthy(Object o) {
        return o instanceof Boolean b ? b : o != null && !"false".equalsIgnoreCase(o.toString()) && !"".equals(o);
    }
}
