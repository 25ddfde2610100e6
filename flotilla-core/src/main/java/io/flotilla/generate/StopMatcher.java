package io.flotilla.generate;

import java.util.List;

/**
 * Streams text through a set of stop strings: text that might be the start of a stop string is
 * held back until it is known not to be; when a stop string appears, the text before it is
 * released and generation should stop. Stop strings themselves are never released.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    public boolean stopped() {
        return stopped;
    }

    /** Adds generated text; returns the part that is safe to show now. */
    public String accept(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int earliest = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (earliest < 0 || i < earliest)) {
                earliest = i;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int keep = longestStopPrefixSuffix();
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** Releases whatever is held back (at the end of generation). */
    public String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest suffix of pending that is a proper prefix of some stop string. */
    private int longestStopPrefixSuffix() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (pending.substring(pending.length() - len).equals(s.substring(0, len))) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
