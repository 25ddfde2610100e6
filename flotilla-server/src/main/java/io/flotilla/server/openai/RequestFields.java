package io.flotilla.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.server.ApiError;
import java.util.ArrayList;
import java.util.List;

/** Typed, range-checked reads of a JSON request body; every failure is a 400 naming the field. */
final class RequestFields {
    private final JsonNode body;

    RequestFields(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.badField(null, "The request body must be a JSON object, got "
                    + (body == null ? "nothing" : body.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        this.body = body;
    }

    /** The field, or null when absent or JSON null. */
    JsonNode get(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    String requiredString(String name) {
        JsonNode n = get(name);
        if (n == null) {
            throw ApiError.badField(name, "Missing required parameter: '" + name + "'.");
        }
        if (!n.isTextual()) {
            throw wrongType(name, "a string", n);
        }
        return n.asText();
    }

    String optionalString(String name) {
        JsonNode n = get(name);
        if (n != null && !n.isTextual()) {
            throw wrongType(name, "a string", n);
        }
        return n == null ? null : n.asText();
    }

    boolean bool(String name, boolean absent) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw wrongType(name, "a boolean", n);
        }
        return n.asBoolean();
    }

    /** An integer in [min, max], or {@code absent}. */
    Integer integer(String name, int min, int max, Integer absent) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
            throw wrongType(name, "an integer", n);
        }
        long v = n.asLong();
        if (v < min || v > max) {
            throw ApiError.badField(name, "Invalid value for '" + name + "': " + n + " is not in [" + min + ", " + max + "].");
        }
        return (int) v;
    }

    /** Any 64-bit integer (seed), or null. */
    Long longValue(String name) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrongType(name, "a 64-bit integer", n);
        }
        return n.asLong();
    }

    /** A number in [min, max], or {@code absent}. */
    float number(String name, double min, double max, float absent) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isNumber()) {
            throw wrongType(name, "a number", n);
        }
        double v = n.asDouble();
        if (!(v >= min && v <= max)) {
            throw ApiError.badField(name, "Invalid value for '" + name + "': " + n + " is not in [" + min + ", " + max + "].");
        }
        return (float) v;
    }

    /** {@code stop}: a string or an array of up to {@code max} non-empty strings. */
    List<String> stopStrings(String name, int max) {
        JsonNode n = get(name);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isTextual()) {
                    throw wrongType(name + "[" + i + "]", "a string", n.get(i));
                }
                out.add(n.get(i).asText());
            }
        } else {
            throw wrongType(name, "a string or an array of strings", n);
        }
        if (out.size() > max) {
            throw ApiError.badField(name, "Invalid value for '" + name + "': at most " + max + " stop sequences, got "
                    + out.size() + ".");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.badField(name, "Invalid value for '" + name + "': stop sequences must not be empty.");
        }
        return out;
    }

    static ApiError wrongType(String name, String expected, JsonNode actual) {
        String shown = actual.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return ApiError.badField(name, "Invalid type for '" + name + "': expected " + expected + ", but got "
                + actual.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + shown + ".");
    }
}
