package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Map;

/** Jinja2's {@code is iterable}: true for strings too (Jinjava says false), lists, dicts. */
final class IterableTest implements ExpTest {
    @Override
    public String getName() {
        return "iterable";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
        return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                || (var != null && var.getClass().isArray());
    }
}
