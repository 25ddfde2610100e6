package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;

/**
 * What {@code {{ x }}} prints in Jinja2: Python's {@code str(x)} ({@code True}, {@code 1.0},
 * {@code {'a': None}}). {@link PythonSyntax} pipes every printed expression through it.
 * Jinjava cannot tell None from undefined, so both print as nothing.
 */
final class PyStrFilter implements Filter {
    @Override
    public String getName() {
        return "py_str";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return switch (var) {
            case null -> "";
            case String s -> s;
            case SafeString s -> s;
            default -> PythonValues.str(var);
        };
    }
}
