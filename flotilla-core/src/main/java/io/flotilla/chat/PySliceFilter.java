package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code x|py_slice(start, stop, step)}: Python's {@code x[start:stop:step]} on lists and
 * strings, with negative indices and steps. {@link PythonSyntax} rewrites slices to it.
 */
final class PySliceFilter implements Filter {
    @Override
    public String getName() {
        return "py_slice";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object step = args.length > 2 ? args[2] : null;
        int by = step == null ? 1 : toInt(step);
        if (by == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        if (var instanceof String s) {
            StringBuilder out = new StringBuilder();
            indices(s.length(), arg(args, 0), arg(args, 1), by).forEach(i -> out.append(s.charAt(i)));
            return out.toString();
        }
        List<Object> items = new ArrayList<>();
        if (var instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else if (var != null) {
            throw new IllegalArgumentException("cannot slice " + var.getClass().getSimpleName() + ": " + var);
        }
        List<Object> out = new ArrayList<>();
        indices(items.size(), arg(args, 0), arg(args, 1), by).forEach(i -> out.add(items.get(i)));
        return out;
    }

    private static Object arg(Object[] args, int i) {
        return args.length > i ? args[i] : null;
    }

    /** The indices Python's {@code slice(start, stop, step).indices(n)} walks. */
    static List<Integer> indices(int n, Object start, Object stop, int step) {
        int lower = step > 0 ? 0 : -1;
        int upper = step > 0 ? n : n - 1;
        int from = start == null ? (step > 0 ? lower : upper) : clamp(toInt(start), n, lower, upper);
        int to = stop == null ? (step > 0 ? upper : lower) : clamp(toInt(stop), n, lower, upper);
        List<Integer> out = new ArrayList<>();
        for (int i = from; step > 0 ? i < to : i > to; i += step) {
            out.add(i);
        }
        return out;
    }

    private static int clamp(int index, int n, int lower, int upper) {
        int i = index < 0 ? index + n : index;
        return Math.max(lower, Math.min(upper, i));
    }

    private static int toInt(Object o) {
        if (o instanceof Number number) {
            return number.intValue();
        }
        throw new IllegalArgumentException("slice index must be an integer, got " + o);
    }
}
