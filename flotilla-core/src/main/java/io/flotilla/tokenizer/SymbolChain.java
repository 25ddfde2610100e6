package io.flotilla.tokenizer;

/**
 * A doubly linked list of adjacent pieces of one string, starting as one piece per codepoint; merging
 * two neighbours grows the left one and empties the right one (llama.cpp's {@code llm_symbol}).
 */
final class SymbolChain {
    private final String text;
    private final int[] start;
    private final int[] length;
    private final int[] prev;
    private final int[] next;
    private final int count;

    SymbolChain(String text) {
        this.text = text;
        int n = text.codePointCount(0, text.length());
        start = new int[n];
        length = new int[n];
        prev = new int[n];
        next = new int[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            int len = Character.charCount(text.codePointAt(pos));
            start[i] = pos;
            length[i] = len;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            pos += len;
        }
        count = n;
    }

    int count() {
        return count;
    }

    /** The first symbol, or -1 when empty. */
    int first() {
        return count == 0 ? -1 : 0;
    }

    int next(int i) {
        return next[i];
    }

    /** Length in chars; 0 once merged into its left neighbour. */
    int length(int i) {
        return length[i];
    }

    String text(int i) {
        return text.substring(start[i], start[i] + length[i]);
    }

    /** The text of symbol {@code l} followed by its right neighbour {@code r}. */
    String pairText(int l, int r) {
        return text.substring(start[l], start[l] + length[l] + length[r]);
    }

    private void merge(int l, int r) {
        length[l] += length[r];
        length[r] = 0;
        next[l] = next[r];
        if (next[r] >= 0) {
            prev[next[r]] = l;
        }
    }

    /** Priority of merging two neighbours, lower first; NaN when they may not merge. */
    @FunctionalInterface
    interface PairPriority {
        double of(SymbolChain chain, int left, int right);
    }

    /**
     * Merges neighbours, best priority first (leftmost on ties), until no allowed pair is left.
     * Queued pairs that went stale because a side merged meanwhile are skipped.
     */
    void mergeAll(PairPriority priority) {
        BigramQueue queue = new BigramQueue();
        for (int i = 1; i < count; i++) {
            offer(queue, priority, i - 1, i);
        }
        while (!queue.isEmpty()) {
            int l = queue.topLeft();
            int r = queue.topRight();
            int len = queue.topLength();
            queue.pop();
            if (length[l] == 0 || length[r] == 0 || length[l] + length[r] != len) {
                continue;
            }
            merge(l, r);
            offer(queue, priority, prev[l], l);
            offer(queue, priority, l, next[l]);
        }
    }

    private void offer(BigramQueue queue, PairPriority priority, int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        double p = priority.of(this, l, r);
        if (!Double.isNaN(p)) {
            queue.push(p, l, r, length[l] + length[r]);
        }
    }
}
