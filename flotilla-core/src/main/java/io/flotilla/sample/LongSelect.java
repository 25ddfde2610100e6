package io.flotilla.sample;

/** Quickselect on a {@code long[]} range: after {@link #select}, the n-th smallest is at index n. */
final class LongSelect {
    private LongSelect() {}

    /** Partially orders {@code a[lo..hi]} so that {@code a[n]} holds its final value and smaller ones precede it. */
    static void select(long[] a, int lo, int hi, int n) {
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            long pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (n <= j) {
                hi = j;
            } else if (n >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
