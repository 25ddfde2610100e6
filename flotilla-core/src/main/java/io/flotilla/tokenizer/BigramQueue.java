package io.flotilla.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of candidate merges (left symbol, right symbol, combined length) ordered by
 * priority, then by the left symbol's index: the order of llama.cpp's merge queues. BPE uses the
 * merge rank as priority, SPM the negated token score.
 */
final class BigramQueue {
    private double[] priority = new double[64];
    private int[] left = new int[64];
    private int[] right = new int[64];
    private int[] length = new int[64];
    private int size;

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(double p, int l, int r, int len) {
        if (size == priority.length) {
            int n = size * 2;
            priority = Arrays.copyOf(priority, n);
            left = Arrays.copyOf(left, n);
            right = Arrays.copyOf(right, n);
            length = Arrays.copyOf(length, n);
        }
        int i = size++;
        set(i, p, l, r, len);
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    /** Removes the top; read it first with {@link #topLeft()}, {@link #topRight()}, {@link #topLength()}. */
    void pop() {
        size--;
        if (size == 0) {
            return;
        }
        swap(0, size);
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int best = l + 1 < size && less(l + 1, l) ? l + 1 : l;
            if (!less(best, i)) {
                break;
            }
            swap(i, best);
            i = best;
        }
    }

    int topLeft() {
        return left[0];
    }

    int topRight() {
        return right[0];
    }

    int topLength() {
        return length[0];
    }

    private boolean less(int a, int b) {
        return priority[a] < priority[b] || (priority[a] == priority[b] && left[a] < left[b]);
    }

    private void set(int i, double p, int l, int r, int len) {
        priority[i] = p;
        left[i] = l;
        right[i] = r;
        length[i] = len;
    }

    private void swap(int a, int b) {
        double p = priority[a];
        int l = left[a];
        int r = right[a];
        int len = length[a];
        set(a, priority[b], left[b], right[b], length[b]);
        set(b, p, l, r, len);
    }
}
