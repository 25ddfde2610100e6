package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code tojson(x, ensure_ascii=False, indent=None, separators=None,
 * sort_keys=False)}: Python's {@code json.dumps}, not Jinja's HTML-escaping one.
 */
final class ToJsonFilter implements Filter {
    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indentArg = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
        String indent = switch (indentArg) {
            case null -> null;
            case Number n -> " ".repeat(n.intValue());
            default -> indentArg.toString();
        };
        String itemSeparator = indent == null ? ", " : ",";
        String keySeparator = ": ";
        if (kwargs.get("separators") instanceof List<?> separators && separators.size() == 2) {
            itemSeparator = String.valueOf(separators.get(0));
            keySeparator = String.valueOf(separators.get(1));
        }
        boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        return PythonValues.toJson(var, indent, itemSeparator, keySeparator, sortKeys);
    }
}
