package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jinja2's {@code items} filter: a dict's (key, value) pairs in order; nothing for undefined. */
final class ItemsFilter implements Filter {
    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        List<Map.Entry<Object, Object>> items = new ArrayList<>();
        if (var instanceof Map<?, ?> map) {
            map.forEach((k, v) -> items.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        } else if (var != null) {
            throw new IllegalArgumentException("items expects a dict, got " + PythonValues.repr(var));
        }
        return items;
    }
}
