package io.flotilla.bench.serve;

import java.util.Arrays;

/** Percentiles (linear interpolation between closest ranks, as numpy's default) and mean of some values in ms. */
public record Distribution(double p50, double p90, double p99, double mean, int count) {
    public static final Distribution EMPTY = new Distribution(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);

    /** The distribution of the finite values in {@code values}. */
    public static Distribution of(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return EMPTY;
        }
        return new Distribution(percentile(v, 50), percentile(v, 90), percentile(v, 99),
                Arrays.stream(v).average().orElseThrow(), v.length);
    }

    /** The {@code p}-th percentile of sorted {@code v}. */
    static double percentile(double[] v, double p) {
        double rank = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (v[hi] - v[lo]) * (rank - lo);
    }
}
