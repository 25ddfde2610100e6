package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The globals Hugging Face adds to every chat template: {@code raise_exception(msg)} and
 * {@code strftime_now(format)}. Jinjava calls them as static methods; the clock comes from
 * the render's context.
 */
final class TemplateFunctions {
    /** Context variable holding the {@link Clock} that {@code strftime_now} reads. */
    static final String CLOCK_VARIABLE = "__flotilla_clock";

    private TemplateFunctions() {}

    /** {@code raise_exception(message)}: stops rendering with the template's own message. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the current local time formatted like Python's strftime. */
    public static String strftimeNow(String format) {
        Clock clock = Clock.systemDefaultZone();
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        if (interpreter != null && interpreter.getContext().get(CLOCK_VARIABLE) instanceof Clock c) {
            clock = c;
        }
        return strftime(ZonedDateTime.now(clock), format);
    }

    /** Python's {@code strftime} for the codes templates use (C locale). */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char code = format.charAt(++i);
            out.append(switch (code) {
                case 'd' -> two(t.getDayOfMonth());
                case 'm' -> two(t.getMonthValue());
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> two(t.getYear() % 100);
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'H' -> two(t.getHour());
                case 'I' -> two((t.getHour() + 11) % 12 + 1);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'M' -> two(t.getMinute());
                case 'S' -> two(t.getSecond());
                case 'j' -> String.format("%03d", t.getDayOfYear());
                case 'Z' -> t.getZone().getId();
                case '%' -> "%";
                default -> "%" + code;
            });
        }
        return out.toString();
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : String.valueOf(n);
    }

    /** Thrown by {@code raise_exception}; carries the template's message out of Jinjava. */
    static final class TemplateRaisedException extends RuntimeException {
        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
