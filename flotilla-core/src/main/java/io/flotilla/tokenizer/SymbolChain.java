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

    int prev(int i) {
        return prev[i];
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

    void merge(int l, int r) {
        length[l] += length[r];
        length[r] = 0;
        next[l] = next[r];
        if (next[r] >= 0) {
            prev[next[r]] = l;
        }
    }
}
