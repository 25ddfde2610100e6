package io.flotilla.chat;

import java.beans.FeatureDescriptor;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves Python method calls that Jinjava would otherwise send to the Java object:
 * {@code str} methods on strings, and {@code get}/{@code items}/{@code keys}/{@code values}
 * on dicts. Everything else falls through to Jinjava's own resolvers.
 */
final class PythonMethodResolver extends ELResolver {
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,9}");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        if (base instanceof String s && StringMethods.supports(name)) {
            context.setPropertyResolved(true);
            return StringMethods.call(s, name, args);
        }
        if (base instanceof Map<?, ?> map && isDictMethod(name, args.length)) {
            context.setPropertyResolved(true);
            return callDict(map, name, args);
        }
        return null;
    }

    private static boolean isDictMethod(String name, int arity) {
        return switch (name) {
            case "get" -> arity == 1 || arity == 2;
            case "items", "keys", "values" -> arity == 0;
            default -> false;
        };
    }

    private static Object callDict(Map<?, ?> map, String name, Object[] args) {
        return switch (name) {
            case "get" -> map.containsKey(args[0]) ? map.get(args[0]) : (args.length == 2 ? args[1] : null);
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "items" -> {
                List<Object> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
                yield items;
            }
            default -> throw new UnsupportedOperationException("dict." + name + " is not supported");
        };
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base instanceof String s && property != null && INTEGER.matcher(property.toString()).matches()) {
            int n = Integer.parseInt(property.toString());
            int i = n < 0 ? n + s.length() : n;
            if (i < 0 || i >= s.length()) {
                throw new IllegalArgumentException("string index out of range: " + n + " in a string of "
                        + s.length() + " characters");
            }
            context.setPropertyResolved(true);
            return String.valueOf(s.charAt(i));
        }
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not ours: let the next resolver set it
    }
}
