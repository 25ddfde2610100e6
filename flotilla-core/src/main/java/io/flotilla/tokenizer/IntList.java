package io.flotilla.tokenizer;

import java.util.Arrays;

/** A growable list of ints without boxing, for token ids and split offsets. */
final class IntList {
    private int[] items;
    private int size;

    IntList() {
        this(16);
    }

    IntList(int capacity) {
        items = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = v;
    }

    void addAll(int[] vs) {
        for (int v : vs) {
            add(v);
        }
    }

    int get(int i) {
        return items[i];
    }

    int size() {
        return size;
    }

    void truncate(int newSize) {
        size = newSize;
    }

    int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
