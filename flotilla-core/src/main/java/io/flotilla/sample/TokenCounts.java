package io.flotilla.sample;

/** Occurrences of each token among the last N of a history; reusable, sized to the vocabulary. */
final class TokenCounts {
    private final int[] counts;
    private int[] touched = new int[64];
    private int touchedCount;

    TokenCounts(int vocabSize) {
        counts = new int[vocabSize];
    }

    /** Recounts the last {@code lastN} tokens of {@code history} ({@code -1}: all); false if none. */
    boolean count(TokenHistory history, int lastN) {
        for (int i = 0; i < touchedCount; i++) {
            counts[touched[i]] = 0;
        }
        touchedCount = 0;
        if (lastN == 0 || history == null) {
            return false;
        }
        int[] tokens = history.array();
        for (int i = history.windowStart(lastN); i < history.size(); i++) {
            int t = tokens[i];
            if (t < 0 || t >= counts.length) {
                throw new IllegalArgumentException("token " + t + " in history is outside the vocabulary of "
                        + counts.length);
            }
            if (counts[t]++ == 0) {
                if (touchedCount == touched.length) {
                    touched = java.util.Arrays.copyOf(touched, touchedCount * 2);
                }
                touched[touchedCount++] = t;
            }
        }
        return touchedCount > 0;
    }

    int get(int token) {
        return counts[token];
    }
}
