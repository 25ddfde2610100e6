package io.flotilla.train.dist;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings records as {@code name=value} arguments, so a parent process can hand a worker process
 * exactly the configuration it runs with. Handles the component types of {@code TrainConfig} and
 * {@link DistributedConfig}.
 */
final class RecordArgs {

    private RecordArgs() {}

    static List<String> encode(Record record) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            try {
                out.add(c.getName() + "=" + c.getAccessor().invoke(record));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + record.getClass(), e);
            }
        }
        return out;
    }

    static <R extends Record> R decode(Class<R> type, Map<String, String> values) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            String text = values.get(name);
            if (text == null) {
                throw new IllegalArgumentException("missing argument " + name + "= for " + type.getSimpleName());
            }
            types[i] = components[i].getType();
            args[i] = parse(types[i], text, name);
        }
        try {
            return type.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof IllegalArgumentException iae ? iae
                    : new IllegalArgumentException("bad " + type.getSimpleName() + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type, e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object parse(Class<?> type, String text, String name) {
        try {
            if (type == int.class) {
                return Integer.parseInt(text);
            } else if (type == long.class) {
                return Long.parseLong(text);
            } else if (type == float.class) {
                return Float.parseFloat(text);
            } else if (type == boolean.class) {
                return Boolean.parseBoolean(text);
            } else if (type == String.class) {
                return text;
            } else if (type == Path.class) {
                return Path.of(text);
            } else if (type == Duration.class) {
                return Duration.parse(text);
            } else if (type == Compression.class) {
                return Compression.parse(text);
            } else if (type.isEnum()) {
                return Enum.valueOf((Class) type, text);
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad value '" + text + "' for " + name, e);
        }
        throw new IllegalStateException("no parser for " + type + " (" + name + ")");
    }
}
