package io.flotilla.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives Jinjava {@code loop.previtem} and {@code loop.nextitem}, which it lacks: a loop
 * {@code {% for x in EXPR %}} whose own body uses them becomes
 * {@code {% set __loop_items_N = (EXPR) | list %}{% for x in __loop_items_N %}}, and the two
 * names become indexed reads of that list. Loops with an {@code if} filter or
 * {@code recursive} are left alone.
 */
final class LoopNeighbours {
    private static final Pattern FOR_TAG = Pattern.compile(
            "\\{%([-+]?)\\s*for\\s+(.+?)\\s+in\\s+(.+?)\\s*([-+]?)%\\}", Pattern.DOTALL);
    private static final Pattern LOOP_TAG = Pattern.compile("\\{%[-+]?\\s*(for|endfor)\\b");
    private static final Pattern NEIGHBOUR = Pattern.compile("\\bloop\\.(previtem|nextitem)\\b");

    private LoopNeighbours() {}

    static String rewrite(String source) {
        if (!NEIGHBOUR.matcher(source).find()) {
            return source;
        }
        String s = source;
        for (int id = 0; ; id++) {
            String next = rewriteInnermost(s, id);
            if (next == null) {
                return s;
            }
            s = next;
        }
    }

    /** Rewrites the innermost loop whose body uses previtem/nextitem; null when none is left. */
    private static String rewriteInnermost(String s, int id) {
        List<int[]> loops = loops(s);
        int[] best = null;
        for (int[] loop : loops) {
            String body = s.substring(loop[1], loop[2]);
            if (NEIGHBOUR.matcher(body).find() && (best == null || loop[2] - loop[1] < best[2] - best[1])) {
                best = loop;
            }
        }
        if (best == null) {
            return null;
        }
        Matcher tag = FOR_TAG.matcher(s.substring(best[0], best[1]));
        String expression = tag.matches() ? tag.group(3).strip() : null;
        String items = "__loop_items_" + id;
        String body = s.substring(best[1], best[2]);
        String newBody = NEIGHBOUR.matcher(body).replaceAll(m -> m.group(1).equals("previtem")
                ? "(" + items + "[loop.index0 - 1] if not loop.first else none)"
                : "(" + items + "[loop.index] if not loop.last else none)");
        if (expression == null || expression.contains(" if ") || expression.endsWith("recursive")) {
            // unsupported shape: neighbours read as none rather than failing the whole template
            newBody = NEIGHBOUR.matcher(body).replaceAll("none");
            return s.substring(0, best[1]) + newBody + s.substring(best[2]);
        }
        String head = "{%" + tag.group(1) + " set " + items + " = (" + expression + ") | list %}"
                + "{%" + tag.group(1) + " for " + tag.group(2) + " in " + items + " " + tag.group(4) + "%}";
        return s.substring(0, best[0]) + head + newBody + s.substring(best[2]);
    }

    /** Each for loop as {start of its tag, end of its tag, start of its endfor tag}. */
    private static List<int[]> loops(String s) {
        List<int[]> loops = new ArrayList<>();
        List<int[]> open = new ArrayList<>();
        Matcher m = LOOP_TAG.matcher(s);
        while (m.find()) {
            int close = s.indexOf("%}", m.end());
            if (close < 0) {
                break;
            }
            if (m.group(1).equals("for")) {
                open.add(new int[] {m.start(), close + 2});
            } else if (!open.isEmpty()) {
                int[] start = open.removeLast();
                loops.add(new int[] {start[0], start[1], m.start()});
            }
        }
        return loops;
    }
}
